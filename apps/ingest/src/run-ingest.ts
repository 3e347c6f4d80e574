import { availableParallelism } from 'node:os';
import { appendAuditTrail, type CustodianContext, shanghaiDate, withAdvisoryLock } from '@custodian/core';
import { sql } from 'kysely';
import { describeFileError } from './pipeline/file-error.js';
import {
  type FileResult,
  ingestFile,
  isAllQuarantined,
  recoverInterruptedBatches,
} from './pipeline/ingest-file.js';
import { loadAgents, loadComplaints, type MasterDataResult } from './pipeline/master-data.js';
import { createEncoderPool } from './pipeline/worker-pool.js';

/** The input of one ingestion run (`ingest run` and the nightly job). */
export interface IngestRunInput {
  files: string[];
  /** Agent master data, loaded before `agentsFiles`. */
  agentsFile?: string;
  /** More agent files, loaded in this order (the nightly inbox: name order, so the newest wins). */
  agentsFiles?: string[];
  complaintsFile?: string;
  complaintsFiles?: string[];
  profile?: string;
  /** XLSX customer files: the sheet to read (default: the first with a record_id column). */
  sheet?: string;
  /** Ingestion date; default today in Asia/Shanghai. */
  date?: string;
  /** Worker threads; 0 encodes on the main thread. Default from configuration (where 0 means one per core). */
  workers?: number;
  /** CSV bytes per encoder block (default 1 MiB); tests make it small to cut files into many blocks. */
  csvBlockBytes?: number;
  onProgress?: (p: { file: string; rows: number; quarantined: number }) => void;
  /** A file (master data or customers) is about to be read: for the summary of an aborted run. */
  onFileStart?: (file: string) => void;
  onFileDone?: (r: FileResult) => void;
  /**
   * Asked before each customer file: true stops the run there (a first Ctrl-C to `ingest run`);
   * the files left are listed in `notStarted`, and nothing of them is read.
   */
  stopRequested?: () => boolean;
  onMasterDataDone?: (r: MasterDataResult) => void;
  /** The lock is taken, before anything is done: the nightly job records its run as running here. */
  onLockTaken?: () => Promise<void>;
}

/**
 * The exit status of a finished run (`run`, `schedule --once`): 1 when a file failed; 4 when none
 * failed but a file had every row quarantined (nothing of it staged: a nightly operator must hear
 * of it, though its rows are kept in quarantine); else 0.
 */
export function runExitCode(totals: IngestRunSummary['totals']): 0 | 1 | 4 {
  return totals.filesFailed > 0 ? 1 : totals.filesAllQuarantined > 0 ? 4 : 0;
}

export interface IngestRunSummary {
  date: string;
  profile: string;
  recoveredBatches: number;
  masterData: MasterDataResult[];
  files: FileResult[];
  /** Customer files not started because a stop was requested (`stopRequested`). */
  notStarted: string[];
  totals: {
    rowsRead: number;
    rowsQuarantined: number;
    flagsRaised: number;
    flagsReopened: number;
    flagsAutoClosed: number;
    filesFailed: number;
    /** Files whose every row was quarantined (isAllQuarantined): exit status 4 when none failed. */
    filesAllQuarantined: number;
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
    await input.onLockTaken?.();
    const recoveredBatches = await recoverInterruptedBatches(ctx);
    const masterData: MasterDataResult[] = [];
    const agentsFiles = [...(input.agentsFile ? [input.agentsFile] : []), ...(input.agentsFiles ?? [])];
    const complaintsFiles = [
      ...(input.complaintsFile ? [input.complaintsFile] : []),
      ...(input.complaintsFiles ?? []),
    ];
    for (const [kind, list, load] of [
      ['agents', agentsFiles, loadAgents],
      ['complaints', complaintsFiles, loadComplaints],
    ] as const) {
      for (const file of list) {
        input.onFileStart?.(file);
        const m = await loadMasterData(ctx, kind, file, () => load(ctx, file));
        masterData.push(m);
        input.onMasterDataDone?.(m);
      }
    }
    const agentsChanged = masterData.some((m) => m.kind === 'agents' && m.status === 'done');
    const pool = createEncoderPool(
      ctx.keyring,
      { profile, today: date, retentionYears: ctx.config.ingest.retentionYears },
      workers,
    );
    const files: FileResult[] = [];
    const notStarted: string[] = [];
    try {
      for (const file of input.files) {
        if (notStarted.length > 0 || input.stopRequested?.()) {
          notStarted.push(file);
          continue;
        }
        input.onFileStart?.(file);
        const r = await ingestFile(ctx, file, {
          date,
          profile,
          actor: ctx.config.actor,
          pool,
          chunkSize: Math.min(ctx.config.ingest.batchSize, 2000),
          agentsChanged: agentsChanged && files.length === 0,
          ...(input.sheet ? { sheet: input.sheet } : {}),
          ...(input.onProgress ? { onProgress: input.onProgress } : {}),
          ...(input.csvBlockBytes ? { csvBlockBytes: input.csvBlockBytes } : {}),
        }).catch((err: unknown) => failedFile(ctx, file, err));
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
            ...(r.sheet ? { sheet: r.sheet } : {}),
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
      notStarted,
      totals: {
        rowsRead: sum((r) => r.rowsRead),
        rowsQuarantined: sum((r) => r.rowsQuarantined),
        flagsRaised: sum((r) => r.flagsRaised),
        flagsReopened: sum((r) => r.flagsReopened),
        flagsAutoClosed: sum((r) => r.flagsAutoClosed),
        filesFailed:
          files.filter((r) => r.status === 'failed').length +
          masterData.filter((m) => m.status === 'failed').length,
        filesAllQuarantined: files.filter(isAllQuarantined).length,
      },
      seconds: (Date.now() - started) / 1000,
    };
  });
  return locked.acquired ? locked.result : undefined;
}

/**
 * A master-data file that cannot be read or is not of its kind fails alone: its result says why
 * (one line, the file's name first), and the run goes on without it.
 */
async function loadMasterData(
  ctx: CustodianContext,
  kind: MasterDataResult['kind'],
  file: string,
  load: () => Promise<MasterDataResult>,
): Promise<MasterDataResult> {
  try {
    return await load();
  } catch (err) {
    await rethrowIfDatabaseDown(ctx, err);
    return {
      file,
      kind,
      status: 'failed',
      message: describeFileError(file, err),
      rowsRead: 0,
      loaded: 0,
      rejected: [],
    };
  }
}

/**
 * What ingestFile threw (it returns a failed result for what goes wrong once the file is being
 * read; this is for what goes wrong before: the file is a directory, its header line is broken,
 * the workbook is not a zip archive…): that file fails alone, the run goes on with the next
 * (unless the database is what broke: see rethrowIfDatabaseDown). A
 * batch it may have left `running` is failed here (this run holds the ingest lock, files go one at
 * a time: no other batch can be running), its staged rows removed; the archive is untouched.
 */
async function failedFile(ctx: CustodianContext, file: string, err: unknown): Promise<FileResult> {
  await rethrowIfDatabaseDown(ctx, err);
  const message = describeFileError(file, err);
  await ctx.storage.db
    .updateTable('batches')
    .set({ status: 'failed', error: message, finished_at: sql`now()` })
    .where('status', '=', 'running')
    .execute();
  await ctx.storage.db.deleteFrom('staging_customers').execute();
  return {
    file,
    sha256: '',
    status: 'failed',
    message,
    rowsRead: 0,
    rowsQuarantined: 0,
    quarantineSample: [],
    seconds: 0,
  };
}

/**
 * A file fails alone only when the file is at fault: when the database does not answer, `err` is
 * thrown on, so that the run stops with its files still in the inbox (the nightly job leaves its
 * run unfinished and catches it up) instead of every remaining file being failed for it.
 */
async function rethrowIfDatabaseDown(ctx: CustodianContext, err: unknown): Promise<void> {
  try {
    await sql`select 1`.execute(ctx.storage.db);
  } catch {
    throw err;
  }
}
