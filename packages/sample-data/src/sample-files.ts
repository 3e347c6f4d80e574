// Writes one batch to disk: customers, agents, complaints (CSV) and the answer key (JSON Lines).

import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { AGENT_COLUMNS, AGENT_COLUMNS_ZH, generateAgents } from './agents.js';
import { type EncodedBlock, encodeBlock } from './block-encoder.js';
import { COMPLAINT_COLUMNS, generateComplaints } from './complaints.js';
import { type CsvEncoding, CsvFileWriter } from './csv-writer.js';
import {
  CUSTOMER_COLUMNS,
  CUSTOMER_COLUMNS_ZH,
  CUSTOMER_COLUMNS_ZH_TELECOM,
  createCustomerBlocks,
} from './customers.js';
import type { SampleOptions } from './options.js';

export { customerLine } from './block-encoder.js';

export interface WriteSampleOptions extends SampleOptions {
  /** Canonical English headers (default) or the first Chinese alias of formats.md. Complaints keep English headers: formats.md names no Chinese ones. */
  headers?: 'en' | 'zh';
  /** Encoding of the CSV files (default utf8); labels.jsonl is always UTF-8. */
  encoding?: CsvEncoding;
  /**
   * Worker threads generating customer blocks in parallel; 0 generates in-process. The files are
   * byte-identical whatever the number. Default: up to 4 (one per core) from 4 blocks (65,536
   * customers) on, else 0. A worker that cannot start is replaced by in-process generation.
   */
  workers?: number;
}

export interface SampleFiles {
  customersFile: string;
  agentsFile: string;
  complaintsFile: string;
  labelsFile: string;
  /** customers, agents, complaints, labels, defectRecords (records with at least one rulebook label), and one count per label rule. */
  counts: Record<string, number>;
}

/**
 * Generates a batch into `dir` (created if needed; existing files of the same names are replaced):
 * customers.csv, agents.csv, complaints.csv and labels.jsonl. Customers are produced block by
 * block (see BLOCK_SIZE) and written in order as they come, with at most a few blocks in memory,
 * so a million rows take no more memory than a hundred thousand.
 */
export async function writeSampleFiles(dir: string, opts: WriteSampleOptions): Promise<SampleFiles> {
  const blocks = createCustomerBlocks(opts);
  await mkdir(dir, { recursive: true });
  const encoding = opts.encoding ?? 'utf8';
  const zh = opts.headers === 'zh';
  const files = {
    customersFile: join(dir, 'customers.csv'),
    agentsFile: join(dir, 'agents.csv'),
    complaintsFile: join(dir, 'complaints.csv'),
    labelsFile: join(dir, 'labels.jsonl'),
  };
  const agents = generateAgents(opts);
  const complaints = generateComplaints(agents, opts);
  const counts: Record<string, number> = {
    customers: 0,
    agents: agents.length,
    complaints: complaints.length,
    labels: 0,
    defectRecords: 0,
  };

  const customers = CsvFileWriter.open(files.customersFile, encoding);
  const labels = CsvFileWriter.open(files.labelsFile, 'utf8');
  try {
    // A telecom export says 机主 and 合同号, an insurer's 投保人 and 保单号.
    const zhNames = opts.profile === 'telecom' ? CUSTOMER_COLUMNS_ZH_TELECOM : CUSTOMER_COLUMNS_ZH;
    await customers.writeRow(CUSTOMER_COLUMNS.map((c) => (zh ? zhNames[c] : c)));
    const sink = async (e: EncodedBlock): Promise<void> => {
      await customers.writeBytes(e.csv);
      await labels.writeText(e.labels);
      for (const [k, v] of Object.entries(e.counts)) counts[k] = (counts[k] ?? 0) + v;
    };
    const local = (k: number) => encodeBlock(blocks, k, encoding);
    const workers = opts.workers ?? (blocks.count >= 4 ? Math.min(4, availableParallelism()) : 0);
    if (workers <= 0 || blocks.count < 2) {
      for (let k = 0; k < blocks.count; k++) await sink(local(k));
    } else {
      await encodeInWorkers(blocks.count, Math.min(workers, blocks.count), opts, encoding, local, sink);
    }
  } catch (err) {
    customers.abort();
    labels.abort();
    throw err;
  }
  await customers.close();
  await labels.close();

  const agentFile = CsvFileWriter.open(files.agentsFile, encoding);
  await agentFile.writeRow(AGENT_COLUMNS.map((c) => (zh ? AGENT_COLUMNS_ZH[c] : c)));
  for (const a of agents) await agentFile.writeRow(AGENT_COLUMNS.map((c) => a[c]));
  await agentFile.close();

  const complaintFile = CsvFileWriter.open(files.complaintsFile, encoding);
  await complaintFile.writeRow(COMPLAINT_COLUMNS);
  for (const c of complaints) await complaintFile.writeRow(COMPLAINT_COLUMNS.map((k) => c[k]));
  await complaintFile.close();

  return { ...files, counts };
}

/** The worker script next to this module: a tsx bootstrap under TypeScript source, built JS under node. */
function workerUrl(): URL {
  const source = import.meta.url.endsWith('.ts');
  return new URL(source ? './block-worker-source.mjs' : './block-worker.js', import.meta.url);
}

/**
 * Block k goes to worker k mod n; at most 2n blocks are requested ahead of the one being written.
 * Blocks reach `sink` in order. If a worker fails (cannot start, crashes), its blocks are
 * generated in-process instead: the output does not change, only the speed.
 */
async function encodeInWorkers(
  count: number,
  n: number,
  opts: SampleOptions,
  encoding: CsvEncoding,
  local: (k: number) => EncodedBlock,
  sink: (e: EncodedBlock) => Promise<void>,
): Promise<void> {
  const url = workerUrl();
  const workerOpts = { ...opts, workers: undefined, headers: undefined, encoding: undefined };
  const pool = Array.from({ length: n }, () => {
    const worker = new Worker(url, { workerData: { opts: workerOpts, encoding } });
    const waiting: { resolve: (e: EncodedBlock) => void; reject: (err: unknown) => void }[] = [];
    const slot = { worker, waiting, dead: false };
    worker.on('message', (e: EncodedBlock) => waiting.shift()?.resolve(e));
    const fail = (err: unknown) => {
      slot.dead = true;
      for (const w of waiting.splice(0)) w.reject(err);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`worker exited with code ${code}`)));
    return slot;
  });
  const requested: Promise<EncodedBlock>[] = [];
  const request = (k: number): void => {
    const slot = pool[k % n]!;
    const viaWorker = slot.dead
      ? Promise.reject(new Error('worker unavailable'))
      : new Promise<EncodedBlock>((resolve, reject) => {
          slot.waiting.push({ resolve, reject });
          slot.worker.postMessage({ block: k });
        });
    requested[k] = viaWorker.catch(() => local(k));
  };
  try {
    const ahead = 2 * n;
    for (let k = 0; k < Math.min(count, ahead); k++) request(k);
    for (let k = 0; k < count; k++) {
      const encoded = await requested[k]!;
      delete requested[k];
      if (k + ahead < count) request(k + ahead);
      await sink(encoded);
    }
  } finally {
    for (const slot of pool) {
      slot.worker.removeAllListeners('exit');
      slot.dead = true;
    }
    await Promise.all(pool.map((slot) => slot.worker.terminate()));
  }
}
