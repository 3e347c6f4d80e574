import { Worker } from 'node:worker_threads';
import type { EncodeOptions, Keyring } from '@custodian/core';
import { type CsvBlockJob, type EncodedCsvBlock, encodeCsvBlock } from './encode-csv-block.js';
import { type EncodedChunk, encodeChunk, type RowChunk } from './encode-rows.js';

/**
 * Encodes chunks on worker threads (both cores: the main thread parses and feeds COPY while the
 * workers validate and encrypt), or inline when `size` is 0. Results come back in submission
 * order, so line order and progress stay simple.
 */
export interface EncoderPool {
  /** Encodes rows already parsed (XLSX). */
  encode(chunk: RowChunk): Promise<EncodedChunk>;
  /** Parses and encodes a block of CSV (its bytes are transferred to the thread: do not reuse them). */
  encodeCsv(job: CsvBlockJob): Promise<EncodedCsvBlock>;
  close(): Promise<void>;
}

export type EncoderTask = { kind: 'rows'; chunk: RowChunk } | { kind: 'csv'; job: CsvBlockJob };

export function createEncoderPool(keyring: Keyring, options: EncodeOptions, size: number): EncoderPool {
  if (size <= 0) {
    return {
      encode: async (chunk) => encodeChunk(keyring, chunk, options),
      encodeCsv: async (job) => encodeCsvBlock(keyring, job, options),
      close: async () => {},
    };
  }
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(fromSource ? './encode-worker-source.mjs' : './encode-worker.js', import.meta.url);
  const workerData = {
    keys: [...keyring.byId.values()].map((k) => ({
      id: k.id,
      dataKey: k.dataKey,
      indexKey: k.indexKey,
      checkValue: k.checkValue,
    })),
    indexKey: keyring.indexKey,
    indexKeyId: keyring.indexKeyId,
    options,
  };
  // From source, the worker needs the custodian-source export condition to read the packages' TypeScript.
  const execArgv = fromSource
    ? [...process.execArgv.filter((a) => !a.startsWith('--conditions')), '--conditions=custodian-source']
    : undefined;
  const workers = Array.from(
    { length: size },
    () =>
      new Worker(url, {
        workerData,
        // A worker holds a few chunks at a time: a small heap makes V8 collect early instead of growing.
        resourceLimits: { maxOldGenerationSizeMb: 160 },
        ...(execArgv ? { execArgv } : {}),
      }),
  );
  const pending = new Map<number, { resolve: (r: never) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let failure: Error | undefined;
  for (const w of workers) {
    w.on('message', (msg: { id: number; result?: never; error?: string }) => {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (msg.error) p.reject(new Error(`encoder worker failed: ${msg.error}`));
      else p.resolve(msg.result!);
    });
    w.on('error', (err) => {
      failure = err;
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    });
  }
  const submit = <T>(task: EncoderTask, transfer: ArrayBuffer[]): Promise<T> => {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    const worker = workers[id % workers.length]!;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (r: never) => void, reject });
      worker.postMessage({ id, task }, transfer);
    });
  };
  return {
    encode: (chunk) => submit<EncodedChunk>({ kind: 'rows', chunk }, []),
    encodeCsv: (job) =>
      submit<EncodedCsvBlock>({ kind: 'csv', job }, [job.block.bytes.buffer as ArrayBuffer]),
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
