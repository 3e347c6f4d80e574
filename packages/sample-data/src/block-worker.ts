// Worker thread of writeSampleFiles: generates and encodes the blocks it is sent, one at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { encodeBlock } from './block-encoder.js';
import type { CsvEncoding } from './csv-writer.js';
import { createCustomerBlocks } from './customers.js';
import type { SampleOptions } from './options.js';

export interface BlockRequest {
  block: number;
}

const { opts, encoding } = workerData as { opts: SampleOptions; encoding: CsvEncoding };
const blocks = createCustomerBlocks(opts);

parentPort!.on('message', ({ block }: BlockRequest) => {
  const encoded = encodeBlock(blocks, block, encoding);
  parentPort!.postMessage({ block, ...encoded }, [encoded.csv.buffer as ArrayBuffer]);
});
