import type { StagedSegment, StagedSegments } from '@custodian/core';

/**
 * The segments of a file committed to staging, handed from the reading loop to the merge that
 * runs alongside it (`mergeStagedBatch` with segments): a queue with one waiting reader.
 */
export class SegmentFeed implements StagedSegments {
  #queue: (StagedSegment | null)[] = [];
  #waiting?: { resolve: (s: StagedSegment | null) => void; reject: (err: Error) => void };
  #failure?: Error;

  /** A segment is committed to staging. */
  push(segment: StagedSegment): void {
    this.#deliver(segment);
  }

  /** The file is read: no more segments. */
  end(): void {
    this.#deliver(null);
  }

  /** Reading failed: the merge is told, and rolls back. */
  fail(err: Error): void {
    this.#failure = err;
    const w = this.#waiting;
    this.#waiting = undefined;
    w?.reject(err);
  }

  next(): Promise<StagedSegment | null> {
    if (this.#queue.length > 0) return Promise.resolve(this.#queue.shift()!);
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  #deliver(segment: StagedSegment | null): void {
    const w = this.#waiting;
    if (w) {
      this.#waiting = undefined;
      w.resolve(segment);
    } else this.#queue.push(segment);
  }
}
