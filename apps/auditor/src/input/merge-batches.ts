import { BatchBuilder, type Dictionaries, type EventBatch } from './event-batch.js';

/**
 * Merges several time-ordered batch streams (one per log file, plus the audit trail) into one
 * stream in time order, so that detections that depend on sequence (escalation, loans, sessions,
 * enumeration) see events as they happened even when two systems' logs overlap. Each source is
 * assumed sorted by time (logs are written as events happen); a source that is not still has all
 * its events delivered, with sequence-based detections judged in delivery order. Day-long files
 * that do not overlap pass through whole, without copying.
 */
interface Cursor {
  iter: AsyncIterator<EventBatch>;
  batch: EventBatch | undefined;
  pos: number;
}

async function advance(c: Cursor): Promise<void> {
  for (;;) {
    const r = await c.iter.next();
    if (r.done) {
      c.batch = undefined;
      return;
    }
    if (r.value.n > 0) {
      c.batch = r.value;
      c.pos = 0;
      return;
    }
  }
}

export async function* mergeBatches(
  sources: AsyncIterable<EventBatch>[],
  dicts: Dictionaries,
  batchSize?: number,
): AsyncGenerator<EventBatch> {
  const cursors: Cursor[] = sources.map((s) => ({
    iter: s[Symbol.asyncIterator](),
    batch: undefined,
    pos: 0,
  }));
  // Sources are opened one after another, not all at once, to keep file handles and read-ahead bounded
  // only by the number of sources; each holds at most one batch.
  for (const c of cursors) await advance(c);
  const out = new BatchBuilder(dicts, batchSize);
  const flush = () => out.take(true);
  for (;;) {
    let best: Cursor | undefined;
    let bestTs = Number.POSITIVE_INFINITY;
    let secondTs = Number.POSITIVE_INFINITY;
    for (const c of cursors) {
      if (!c.batch) continue;
      const t = c.batch.ts[c.pos]!;
      if (t < bestTs) {
        secondTs = bestTs;
        bestTs = t;
        best = c;
      } else if (t < secondTs) secondTs = t;
    }
    if (!best) break;
    const b = best.batch!;
    if (best.pos === 0 && b.ts[b.n - 1]! <= secondTs && out.n === 0) {
      // The whole batch comes before every other source: hand it over as it is.
      b.dict = dicts.takeDelta();
      yield b;
      await advance(best);
      continue;
    }
    while (best.pos < b.n && b.ts[best.pos]! <= secondTs) {
      out.copyFrom(b, best.pos++);
      if (out.full) yield flush();
    }
    if (best.pos >= b.n) await advance(best);
    if (out.n > 0 && secondTs === Number.POSITIVE_INFINITY) yield flush();
  }
  if (out.n > 0) yield flush();
}
