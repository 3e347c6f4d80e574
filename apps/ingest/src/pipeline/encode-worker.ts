import { parentPort, workerData } from 'node:worker_threads';
import type { EncodeOptions, Keyring, MasterKey } from '@custodian/core';
import { encodeCsvBlock } from './encode-csv-block.js';
import { encodeChunk } from './encode-rows.js';
import type { EncoderTask } from './worker-pool.js';

/** Worker thread: encodes row chunks posted by the ingest (see worker-pool.ts). */
interface WorkerInit {
  keys: { id: string; dataKey: Uint8Array; indexKey: Uint8Array; checkValue: string }[];
  indexKey: Uint8Array;
  indexKeyId: string;
  options: EncodeOptions;
}

const init = workerData as WorkerInit;
const keys: MasterKey[] = init.keys.map((k) => ({
  ...k,
  dataKey: Buffer.from(k.dataKey),
  indexKey: Buffer.from(k.indexKey),
}));
const keyring: Keyring = {
  active: keys[0]!,
  byId: new Map(keys.map((k) => [k.id, k])),
  indexKey: Buffer.from(init.indexKey),
  indexKeyId: init.indexKeyId,
  warnings: [],
};

parentPort!.on('message', (msg: { id: number; task: EncoderTask }) => {
  try {
    if (msg.task.kind === 'rows') {
      const result = encodeChunk(keyring, msg.task.chunk, init.options);
      parentPort!.postMessage({ id: msg.id, result }, [result.copy.buffer as ArrayBuffer]);
    } else {
      const result = encodeCsvBlock(keyring, msg.task.job, init.options);
      // The COPY rows go back without a copy.
      parentPort!.postMessage({ id: msg.id, result }, [result.copy.buffer as ArrayBuffer]);
    }
  } catch (err) {
    parentPort!.postMessage({ id: msg.id, error: (err as Error).stack ?? String(err) });
  }
});
