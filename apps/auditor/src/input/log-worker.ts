import { parentPort, workerData } from 'node:worker_threads';
import { CustodianError } from '@custodian/core';
import { batchTransferList } from './event-batch.js';
import { type LogStreamInput, openInlineLogStream } from './log-stream.js';

/**
 * Parser thread: reads, gunzips and parses the logs and posts columnar batches (buffers
 * transferred, not copied). At most `credits` batches are unacknowledged, so a slow detection
 * thread holds the parser back instead of letting batches pile up in memory.
 */
const { input, credits } = workerData as { input: LogStreamInput; credits: number };
const port = parentPort!;
let inFlight = 0;
let wake: (() => void) | undefined;
port.on('message', (m: unknown) => {
  if (m === 'ack') {
    inFlight--;
    wake?.();
  }
});

try {
  const stream = openInlineLogStream(input);
  for await (const batch of stream.batches) {
    while (inFlight >= credits) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
    inFlight++;
    port.postMessage({ type: 'batch', batch }, batchTransferList(batch));
  }
  port.postMessage({ type: 'done', stats: stream.stats });
} catch (err) {
  // A CustodianError (LOG_UNREADABLE naming the file) crosses over with its code and context.
  port.postMessage({
    type: 'error',
    message: (err as Error).message,
    ...(err instanceof CustodianError ? { code: err.code, context: err.context } : {}),
  });
}
port.close();
