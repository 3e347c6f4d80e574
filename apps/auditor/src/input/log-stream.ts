import { Worker } from 'node:worker_threads';
import { CustodianError } from '@custodian/core';
import { BatchBuilder, Dictionaries, type EventBatch } from './event-batch.js';
import { appendEvent, emptyStats, type LogFileStats, type RawEvent, readLogFile } from './log-reader.js';
import { mergeBatches } from './merge-batches.js';
import { parseTimestamp } from './timestamp.js';

/**
 * All inputs of one audit as one time-ordered stream of batches: the log files and, as one more
 * source, events made from Custodian's own audit trail. With `workers: 1` the reading, gunzip
 * and parsing run on a worker thread (the second core) and batches cross over without copying;
 * with 0 everything runs inline (tests, tiny inputs).
 */
export interface LogStreamInput {
  files: string[];
  /** Extra events (already sorted by time), e.g. from the audit trail; `label` names their source. */
  extra?: { label: string; events: RawEvent[] };
  workers?: number;
  batchSize?: number;
}

export interface LogStream {
  batches: AsyncIterable<EventBatch>;
  /** Per-file figures, complete once `batches` is exhausted. */
  stats: LogFileStats[];
}

/** Batches from an in-memory list of events (sorted by time first), for the audit trail and tests. */
export async function* eventsSource(
  events: RawEvent[],
  src: number,
  dicts: Dictionaries,
  stats: LogFileStats,
  batchSize?: number,
): AsyncGenerator<EventBatch> {
  const builder = new BatchBuilder(dicts, batchSize);
  // Sorted by instant (events may carry different offsets); unreadable timestamps go first and are refused below.
  const keyed = events.map((e) => ({ e, t: typeof e.ts === 'string' ? parseTimestamp(e.ts) : Number.NaN }));
  keyed.sort((a, b) => (Number.isNaN(a.t) ? -1 : Number.isNaN(b.t) ? 1 : a.t - b.t));
  let line = 0;
  for (const { e } of keyed) {
    line++;
    stats.lines++;
    const reason = appendEvent(builder, e, src, line);
    if (reason) {
      stats.bad++;
      if (stats.badSample.length < 20) stats.badSample.push({ file: stats.file, line, reason });
    } else stats.events++;
    if (builder.full) yield builder.take(false);
  }
  if (builder.n > 0) yield builder.take(false);
}

function inlineStream(input: LogStreamInput): LogStream {
  const dicts = new Dictionaries();
  const stats: LogFileStats[] = [];
  const sources: AsyncIterable<EventBatch>[] = input.files.map((file) => {
    const s = emptyStats(file);
    stats.push(s);
    return readLogFile(file, dicts.sources.id(file), dicts, s, input.batchSize);
  });
  if (input.extra && input.extra.events.length > 0) {
    const s = emptyStats(input.extra.label);
    stats.push(s);
    sources.push(
      eventsSource(input.extra.events, dicts.sources.id(input.extra.label), dicts, s, input.batchSize),
    );
  }
  return { batches: mergeBatches(sources, dicts, input.batchSize), stats };
}

/** Used by the worker thread: the same inline stream, posted to the parent. */
export function openInlineLogStream(input: LogStreamInput): LogStream {
  return inlineStream(input);
}

type WorkerMessage =
  | { type: 'batch'; batch: EventBatch }
  | { type: 'done'; stats: LogFileStats[] }
  | { type: 'error'; message: string; code?: string; context?: Record<string, unknown> };

/** Batches in flight between the threads: enough to keep both busy, few enough to bound memory. */
const CREDITS = 8;

function workerStream(input: LogStreamInput): LogStream {
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(fromSource ? './log-worker-source.mjs' : './log-worker.js', import.meta.url);
  const execArgv = fromSource
    ? [...process.execArgv.filter((a) => !a.startsWith('--conditions')), '--conditions=custodian-source']
    : undefined;
  const stats: LogFileStats[] = [];
  const batches = (async function* () {
    const worker = new Worker(url, {
      workerData: { input: { ...input, workers: 0 }, credits: CREDITS },
      ...(execArgv ? { execArgv } : {}),
    });
    const queue: WorkerMessage[] = [];
    let wake: (() => void) | undefined;
    let failure: Error | undefined;
    worker.on('message', (m: WorkerMessage) => {
      queue.push(m);
      wake?.();
    });
    worker.on('error', (err) => {
      failure = err;
      wake?.();
    });
    worker.on('exit', (code) => {
      if (code !== 0 && !failure) failure = new Error(`log parser worker exited with code ${code}`);
      wake?.();
    });
    try {
      for (;;) {
        const m = queue.shift();
        if (!m) {
          if (failure) throw failure;
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
          continue;
        }
        if (m.type === 'batch') {
          worker.postMessage('ack');
          yield m.batch;
        } else if (m.type === 'done') {
          stats.push(...m.stats);
          return;
        } else throw m.code ? new CustodianError(m.code, m.message, m.context) : new Error(m.message);
      }
    } finally {
      await worker.terminate();
    }
  })();
  return { batches, stats };
}

export function openLogStream(input: LogStreamInput): LogStream {
  return (input.workers ?? 0) > 0 ? workerStream(input) : inlineStream(input);
}
