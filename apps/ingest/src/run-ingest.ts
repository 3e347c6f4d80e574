import { availableParallelism } from 'node:os';
import { appendAuditTrail, type CustodianContext, shanghaiDate, withAdvisoryLock } from '@custodian/core';
import { type FileResult, ingestFile, recoverInterruptedBatches } from './pipeline/ingest-file.js';
import { loadAgents, loadComplaints, type MasterDataResult } from './pipeline/master-data.js';
import { createEncoderPool } from './pipeline/worker-pool.js';

/** The input of one ingestion run (`ingest run` and the nightly job). */
export interface IngestRunInput {
  files: string[];
  agentsFile?: string;
  complaintsFile?: string;
  profile?: string;
  /** Ingestion date; default today in Asia/Shanghai. */
  date?: string;
  /** Worker threads; 0 encodes on the main thread. Default from configuration (where 0 means one per core). */
  workers?: number;
  /** CSV bytes per encoder block (default 1 MiB); tests make it small to cut files into many blocks. */
  csvBlockBytes?: number;
  onProgress?: (p: { file: string; rows: number; quarantined: number }) => void;
  onFileDone?: (r: FileResult) => void;
}

export interface IngestRunSummary {
  date: string;
  profile: string;
  recoveredBatches: number;
  masterData: MasterDataResult[];
  files: FileResult[];
  totals: {
    rowsRead: number;
    rowsQuarantined: number;
    flagsRaised: number;
    flagsReopened: number;
    flagsAutoClosed: number;
    filesFailed: number;
  };
  seconds: number;
}

export const INGEST_LOCK = 'ingest';

/**
 * One ingestion run under the `ingest` advisory lock (never twice at once, even from two machines):
 * recovers batches of a killed run, loads agents and complaints, then each customer file in turn.
 * Returns undefined when another run holds the lock.
 */
export async function runIngest(
  ctx: CustodianContext,
  input: IngestRunInput,
): Promise<IngestRunSummary | undefined> {
  const started = Date.now();
  const date = input.date ?? shanghaiDate(new Date());
  const profile = input.profile ?? ctx.config.ingest.profile;
  const configured = ctx.config.ingest.workers;
  // The embedded database runs in this process, so a worker per core beyond the main thread;
  // with a server, the main thread mostly waits on COPY, so a worker per core. 0 given by the
  // caller: encode on the main thread.
  const workers =
    input.workers ??
    (configured > 0
      ? configured
      : Math.max(1, availableParallelism() - (ctx.storage.kind === 'pglite' ? 1 : 0)));
  const locked = await withAdvisoryLock(ctx.storage, INGEST_LOCK, async () => {
    const recoveredBatches = await recoverInterruptedBatches(ctx);
    const masterData: MasterDataResult[] = [];
    if (input.agentsFile) masterData.push(await loadAgents(ctx, input.agentsFile));
    if (input.complaintsFile) masterData.push(await loadComplaints(ctx, input.complaintsFile));
    const pool = createEncoderPool(
      ctx.keyring,
      { profile, today: date, retentionYears: ctx.config.ingest.retentionYears },
      workers,
    );
    const files: FileResult[] = [];
    try {
      for (const file of input.files) {
        const r = await ingestFile(ctx, file, {
          date,
          profile,
          actor: ctx.config.actor,
          pool,
          chunkSize: Math.min(ctx.config.ingest.batchSize, 2000),
          agentsChanged: Boolean(input.agentsFile) && files.length === 0,
          ...(input.onProgress ? { onProgress: input.onProgress } : {}),
          ...(input.csvBlockBytes ? { csvBlockBytes: input.csvBlockBytes } : {}),
        });
        files.push(r);
        input.onFileDone?.(r);
        await appendAuditTrail(ctx.storage.db, {
          actor: ctx.config.actor,
          action: `ingest.${r.status}`,
          targetType: 'batch',
          targetId: r.batchId === undefined ? null : String(r.batchId),
          detail: {
            file: r.file,
            sha256: r.sha256,
            rows: r.rowsRead,
            quarantined: r.rowsQuarantined,
            flags: r.flagsRaised ?? 0,
          },
        });
      }
    } finally {
      await pool.close();
    }
    const sum = (f: (r: FileResult) => number | undefined) => files.reduce((a, r) => a + (f(r) ?? 0), 0);
    return {
      date,
      profile,
      recoveredBatches,
      masterData,
      files,
      totals: {
        rowsRead: sum((r) => r.rowsRead),
        rowsQuarantined: sum((r) => r.rowsQuarantined),
        flagsRaised: sum((r) => r.flagsRaised),
        flagsReopened: sum((r) => r.flagsReopened),
        flagsAutoClosed: sum((r) => r.flagsAutoClosed),
        filesFailed: files.filter((r) => r.status === 'failed').length,
      },
      seconds: (Date.now() - started) / 1000,
    };
  });
  return locked.acquired ? locked.result : undefined;
}
