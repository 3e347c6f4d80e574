import { mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CustodianContext, CustodianError, shanghaiDate, shanghaiTimeOfDay } from '@custodian/core';
import { sql } from 'kysely';
import { fileSummaryLines, masterDataSummaryLines } from '../commands/file-summary.js';
import type { FileResult } from '../pipeline/ingest-file.js';
import type { MasterDataResult } from '../pipeline/master-data.js';
import { type IngestRunSummary, runIngest } from '../run-ingest.js';
import { InboxSettleWatch } from './inbox-settle.js';

/**
 * The nightly ingestion (002 §3.7: the suspicious-record list by the next working morning): takes
 * every file in the inbox once none is still being written (`ingest.inboxSettleSeconds`), agents
 * and complaints first, moves each file to `done/` or `failed/`,
 * and records the run in `job_runs` so that a run missed while the scheduler was down is caught up
 * when it starts. Definition apart from the clock: `run(ctx, input)` is testable without cron.
 */
export const nightlyIngestJob = {
  id: 'ingest.nightly',
  /** node-cron expression from the configured HH:MM (Asia/Shanghai). */
  cron(ctx: CustodianContext): string {
    const [h, m] = ctx.config.ingest.nightlyAt.split(':').map(Number);
    return `${m} ${h} * * *`;
  },
  /** The run that should have happened most recently: today's if its time has passed, else yesterday's. */
  dueRunKey(ctx: CustodianContext, now: Date): string {
    const t = shanghaiTimeOfDay(now);
    const [h, m] = ctx.config.ingest.nightlyAt.split(':').map(Number);
    if (t.hour * 60 + t.minute >= h! * 60 + m!) return t.date;
    const d = new Date(`${t.date}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() - 1);
    return d.toISOString().slice(0, 10);
  },
  async run(ctx: CustodianContext, input: NightlyInput): Promise<NightlyResult> {
    return runNightlyIngest(ctx, input);
  },
};

const HALF_DAY_MS = 12 * 3600_000;

/**
 * The ingestion date of a nightly run at `now`: the day whose evening delivered the files. The
 * operations team drops the day's exports in the evening and compliance must have their list by
 * the next working morning (002 §3.7): the 01:00 run of Tuesday ingests Monday's exports, dated
 * Monday, so that their flags are listed on Tuesday (T+1), the morning's problem list. Dated by
 * the run's own day they were listed on Wednesday. A run before noon (Beijing time) is the night
 * of the day before, a later one (a nightly time set in the evening, or a catch-up in the
 * afternoon) of its own day: never earlier than yesterday, so a flag is never listed on a day
 * already past.
 */
export function nightOf(now: Date): string {
  return shanghaiDate(new Date(now.getTime() - HALF_DAY_MS));
}

export interface NightlyInput {
  runKey: string;
  log?: (line: string) => void;
  /** Encoder threads; default from configuration (tests pass 0: encode inline). */
  workers?: number;
  /** Each file (master data first) as it starts and as it ends: for the summary of an aborted run. */
  onFileStart?: (file: string) => void;
  onFileDone?: (r: MasterDataResult | FileResult) => void;
  /**
   * A stop asked for (SIGINT / SIGTERM to the scheduler): ends at once the wait for inbox files
   * still being written, and the run then takes nothing (status `stopped`, nothing recorded, so the
   * next start catches it up). Once files are taken, the run goes to its end.
   */
  signal?: AbortSignal;
  /** Called with true when the run starts waiting for files still being written, false when it stops waiting. */
  onWaiting?: (waiting: boolean) => void;
}

export interface NightlyResult {
  runKey: string;
  /**
   * empty: nothing at all in the inbox; nothing-to-ingest: only files it does not take (`left`);
   * stopped: a stop came while it waited for files still being written, nothing was taken or recorded.
   */
  status: 'done' | 'locked' | 'empty' | 'nothing-to-ingest' | 'stopped';
  moved: { file: string; to: string }[];
  /**
   * Entries of the inbox not taken (not a CSV/XLSX file, a folder, a file still being written),
   * with the reason: they stay in the inbox.
   */
  left: LeftFile[];
  summary?: IngestRunSummary;
}

/** Table files of the inbox; an .xls is taken too, to fail alone and say why (it is not read). */
const TABLE_FILE = /\.(csv|xlsx|xlsm|xls|txt)$/i;
/**
 * Not deliveries, whatever their extension: Excel's owner file of a workbook someone has open on
 * the shared inbox (`~$客户.xlsx`, a few bytes), and hidden files (macOS writes `._客户.csv` beside
 * every file it copies to a shared folder). Taken, each failed the night (exit 1) and was moved to
 * failed/, Excel's from under the workbook still open.
 */
const NOT_A_DELIVERY = /^(~\$|\.)/;
/** The folders the job moves files into, beside them. */
const OUTCOME_FOLDERS = ['done', 'failed'];

/** A file of the inbox the nightly job does not take, and why (the run lists them: none is left unsaid). */
export interface LeftFile {
  file: string;
  reason: string;
}

/**
 * The inbox folder, made if missing. A path that is a file, or `done` / `failed` that are files,
 * is refused with one line (exit 1), before the run is recorded: mkdir failed on it with EEXIST
 * and a stack trace.
 */
export function prepareInbox(inbox: string): void {
  const configured = `ingest.inbox in the configuration, or CUSTODIAN_INBOX`;
  const st = statSync(inbox, { throwIfNoEntry: false });
  if (st && !st.isDirectory())
    throw new CustodianError('INBOX_INVALID', `the inbox ${inbox} is not a directory (${configured})`);
  if (!st) {
    try {
      mkdirSync(inbox, { recursive: true });
    } catch (err) {
      throw new CustodianError(
        'INBOX_INVALID',
        `cannot create the inbox ${inbox} (${configured}): ${(err as Error).message}`,
      );
    }
  }
  for (const folder of OUTCOME_FOLDERS) {
    const sub = statSync(join(inbox, folder), { throwIfNoEntry: false });
    if (sub && !sub.isDirectory())
      throw new CustodianError(
        'INBOX_INVALID',
        `${join(inbox, folder)} is not a directory: the nightly job moves files into it (move that file away)`,
      );
  }
}

/** Why an entry of the inbox is not taken. */
function whyLeft(name: string, isDirectory: boolean, isFile: boolean): string {
  if (isDirectory) return 'a folder: only files directly in the inbox are taken';
  if (!isFile) return 'not a regular file';
  if (name.startsWith('~$')) return "Excel's lock file of a workbook open in Excel, not a customer file";
  if (name.startsWith('.')) return "a hidden file (such as macOS's ._ copy of a file), not a customer file";
  return 'not a CSV/XLSX customer file (.csv, .txt, .xlsx or .xlsm)';
}

/**
 * The inbox's table files in name order, and the entries left in it with the reason. Every
 * master-data file is taken, oldest name first, so that agents_20261122.csv and
 * agents_20261123.csv both load and the newer wins; none is left to be loaded again the next night
 * over newer data.
 */
interface InboxListing {
  customers: string[];
  agents: string[];
  complaints: string[];
  left: LeftFile[];
}

function inboxFiles(inbox: string): InboxListing {
  prepareInbox(inbox);
  const names: string[] = [];
  const left: LeftFile[] = [];
  for (const entry of readdirSync(inbox, { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : 1,
  )) {
    if (entry.isDirectory() && OUTCOME_FOLDERS.includes(entry.name)) continue;
    // A symbolic link is taken as what it points to.
    const st = entry.isSymbolicLink() ? statSync(join(inbox, entry.name), { throwIfNoEntry: false }) : entry;
    const isFile = st?.isFile() ?? false;
    if (isFile && TABLE_FILE.test(entry.name) && !NOT_A_DELIVERY.test(entry.name)) names.push(entry.name);
    else left.push({ file: entry.name, reason: whyLeft(entry.name, st?.isDirectory() ?? false, isFile) });
  }
  const isAgents = (n: string) => /^(agents|营销员|代理人)/i.test(n);
  const isComplaints = (n: string) => /^(complaints|投诉)/i.test(n);
  return {
    customers: names.filter((n) => !isAgents(n) && !isComplaints(n)).map((n) => join(inbox, n)),
    agents: names.filter(isAgents).map((n) => join(inbox, n)),
    complaints: names.filter(isComplaints).map((n) => join(inbox, n)),
    left,
  };
}

const taken = (l: InboxListing) => [...l.agents, ...l.complaints, ...l.customers];

/**
 * The inbox's files once none is still being written (`ingest.inboxSettleSeconds`), or undefined
 * when `signal` stopped the wait. A file modified less than the settle time ago may be an upload
 * that paused: taken then, its first rows were ingested, the cut row quarantined, and the file
 * moved to done/ while the writer finished it there, the rest never ingested. So the job waits,
 * listing the inbox again each time (a file may appear, grow, or go), until every file it would
 * take has been unchanged (size and modification time) for the settle time. A file still changing
 * after `ingest.inboxSettleMaxWaitSeconds` is left in the inbox for the next run, with the reason,
 * so that one writer that never stops does not hold back the night's other files.
 */
async function settledInboxFiles(
  ctx: CustodianContext,
  log: (line: string) => void,
  signal: AbortSignal | undefined,
  onWaiting: ((waiting: boolean) => void) | undefined,
): Promise<InboxListing | undefined> {
  const { inbox, inboxSettleSeconds, inboxSettleMaxWaitSeconds } = ctx.config.ingest;
  const settleMs = inboxSettleSeconds * 1000;
  const started = Date.now();
  const deadline = started + inboxSettleMaxWaitSeconds * 1000;
  const watch = new InboxSettleWatch(settleMs);
  const announced = new Set<string>();
  const ago = (ms: number) => `modified ${Math.floor(ms / 1000)}s ago`;
  try {
    for (;;) {
      const found = inboxFiles(inbox);
      if (settleMs <= 0) return found;
      if (signal?.aborted) return undefined;
      const now = Date.now();
      const pending = watch.unsettled(taken(found), now);
      if (pending.length === 0) {
        if (announced.size > 0)
          log(
            `inbox ${inbox}: waited ${Math.round((now - started) / 1000)} s; every file unchanged for ` +
              `${inboxSettleSeconds} s: taking them`,
          );
        return found;
      }
      if (now >= deadline) {
        const late = new Map(pending.map((p) => [p.file, p]));
        const keep = (files: string[]) => files.filter((f) => !late.has(f));
        const left = [
          ...found.left,
          ...pending.map((p) => ({
            file: basename(p.file),
            reason: `still being written (${ago(p.ageMs)}): left for the next run`,
          })),
        ].sort((a, b) => (a.file < b.file ? -1 : 1));
        return {
          customers: keep(found.customers),
          agents: keep(found.agents),
          complaints: keep(found.complaints),
          left,
        };
      }
      const fresh = pending.filter((p) => !announced.has(p.file));
      if (fresh.length > 0) {
        for (const p of fresh) announced.add(p.file);
        onWaiting?.(true);
        log(
          `inbox ${inbox}: waiting for ${fresh.map((p) => `${basename(p.file)} (${ago(p.ageMs)})`).join(', ')}: ` +
            `it may still be being written; a file is taken once unchanged for ${inboxSettleSeconds} s ` +
            `(ingest.inboxSettleSeconds), or left for the next run if still changing after ` +
            `${inboxSettleMaxWaitSeconds} s (ingest.inboxSettleMaxWaitSeconds)`,
        );
      }
      const wakeAt = Math.min(deadline, ...pending.map((p) => p.readyAt));
      try {
        await sleep(Math.max(wakeAt - now, 10), undefined, signal ? { signal } : undefined);
      } catch (err) {
        if (signal?.aborted) return undefined;
        throw err;
      }
    }
  } finally {
    if (announced.size > 0) onWaiting?.(false);
  }
}

function moveTo(file: string, folder: string, stamp: string): string {
  mkdirSync(folder, { recursive: true });
  const target = join(folder, `${stamp}_${basename(file)}`);
  renameSync(file, target);
  return target;
}

/**
 * Every file of the inbox goes to done/ or failed/ (a file that cannot be read fails alone, the
 * others go on), and the run's job_runs row is always finished: `done`, or `failed` with the
 * reason when the run itself broke (the database, the disk), so that the next start catches it up.
 */
export async function runNightlyIngest(ctx: CustodianContext, input: NightlyInput): Promise<NightlyResult> {
  const { runKey, workers, onFileStart, onFileDone } = input;
  const log = input.log ?? (() => {});
  const inbox = ctx.config.ingest.inbox;
  const found = await settledInboxFiles(ctx, log, input.signal, input.onWaiting);
  if (!found) {
    log(
      'stopped while waiting for inbox files still being written: nothing was taken or recorded; ' +
        'the next start catches the run up',
    );
    return { runKey, status: 'stopped', moved: [], left: [] };
  }
  const all = taken(found);
  const markRunning = () =>
    sql`insert into job_runs (job, run_key, status) values (${nightlyIngestJob.id}, ${runKey}, 'running')
    on conflict (job, run_key) do update set status = 'running', started_at = now(), finished_at = null`
      .execute(ctx.storage.db)
      .then(() => undefined);
  // Said every night they are there: a customers.ods dropped by mistake is never ingested otherwise.
  if (found.left.length > 0)
    log(
      `inbox ${inbox}: ${found.left.length} file(s) left in the inbox, not taken: ` +
        found.left.map((l) => `${l.file} (${l.reason})`).join('; '),
    );
  if (all.length === 0) {
    const status = found.left.length === 0 ? 'empty' : 'nothing-to-ingest';
    log(
      status === 'empty'
        ? `inbox ${inbox} is empty: nothing to ingest`
        : `inbox ${inbox} has no CSV/XLSX file ${
            found.left.some((l) => l.reason.startsWith('still being written')) ? 'ready ' : ''
          }to ingest (only the ${found.left.length} file(s) left above)`,
    );
    await markRunning();
    await finishRun(ctx, runKey, 'done', { files: 0, left: found.left });
    return { runKey, status, moved: [], left: found.left };
  }
  let summary: IngestRunSummary | undefined;
  try {
    summary = await runIngest(ctx, {
      files: found.customers,
      agentsFiles: found.agents,
      complaintsFiles: found.complaints,
      date: nightOf(new Date()),
      ...(workers === undefined ? {} : { workers }),
      ...(onFileStart ? { onFileStart } : {}),
      // Recorded as running only under the lock: a second scheduler that found the lock held wrote
      // its own `running`, then `failed` (locked), over the run the first was making.
      onLockTaken: markRunning,
      onMasterDataDone: (m) => {
        for (const line of masterDataSummaryLines(m)) log(line);
        onFileDone?.(m);
      },
      // As `run` prints it: rows read, quarantined (with line and column), flags raised.
      onFileDone: (r) => {
        const lines = fileSummaryLines(
          r,
          (f) =>
            `all ${f.rowsRead} rows quarantined, none staged; moved to done/ (its rows are in table ` +
            `quarantine, batch ${f.batchId}); the run reports it (exit 4 with --once)`,
        );
        for (const line of lines) log(line);
        onFileDone?.(r);
      },
    });
  } catch (err) {
    // Not a file's fault (those fail alone): the files stay in the inbox for the catch-up.
    await finishRun(ctx, runKey, 'failed', { error: (err as Error).message }).catch(() => undefined);
    throw err;
  }
  if (!summary) {
    log('another ingestion holds the lock: nothing was taken, the files stay in the inbox');
    // The run's row is left as another scheduler's run wrote it (running, or done): only a run
    // not yet recorded, or one that failed, is recorded as locked out.
    await sql`insert into job_runs (job, run_key, status, finished_at, detail)
      values (${nightlyIngestJob.id}, ${runKey}, 'failed', now(), ${JSON.stringify({ reason: 'locked' })}::jsonb)
      on conflict (job, run_key) do update set status = excluded.status, finished_at = excluded.finished_at,
        detail = excluded.detail
      where job_runs.status not in ('running', 'done')`.execute(ctx.storage.db);
    return { runKey, status: 'locked', moved: [], left: found.left };
  }
  if (summary.recoveredBatches > 0)
    log(`recovered ${summary.recoveredBatches} batch(es) interrupted earlier (archive unchanged by them)`);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
  const moved: { file: string; to: string }[] = [];
  // A file already ingested (same identity) is done too; only a failed one goes to failed/. So is
  // a file whose every row was quarantined: its batch is done and every row is kept, encrypted,
  // in table quarantine with file, line, column and reason, so nothing of it is lost; what it
  // needs is a corrected file, not the same one put back into the inbox (it would be skipped as
  // already ingested). The run reports it: a warning in the log, `filesAllQuarantined` in the
  // totals, and exit 4 from `schedule --once` as from `run`.
  try {
    for (const r of [...summary.masterData, ...summary.files]) {
      const folder = r.status === 'failed' ? 'failed' : 'done';
      moved.push({ file: r.file, to: moveTo(r.file, join(inbox, folder), stamp) });
    }
  } catch (err) {
    // The files are ingested but not all moved (an inbox the job may read but not rename in): the
    // run is recorded as failed, not left `running`, and the catch-up skips them and moves them.
    await finishRun(ctx, runKey, 'failed', {
      error: (err as Error).message,
      totals: summary.totals,
      moved: moved.length,
    }).catch(() => undefined);
    throw err;
  }
  await finishRun(ctx, runKey, 'done', { totals: summary.totals, left: found.left });
  return { runKey, status: 'done', moved, left: found.left, summary };
}

async function finishRun(
  ctx: CustodianContext,
  runKey: string,
  status: 'done' | 'failed',
  detail: unknown,
): Promise<void> {
  await ctx.storage.db
    .updateTable('job_runs')
    .set({ status, finished_at: sql`now()`, detail: JSON.stringify(detail) })
    .where('job', '=', nightlyIngestJob.id)
    .where('run_key', '=', runKey)
    .execute();
}

/** True when the run for `runKey` has not completed: the scheduler catches it up at start. */
export async function isRunMissing(ctx: CustodianContext, runKey: string): Promise<boolean> {
  const row = await ctx.storage.db
    .selectFrom('job_runs')
    .select('status')
    .where('job', '=', nightlyIngestJob.id)
    .where('run_key', '=', runKey)
    .executeTakeFirst();
  return row?.status !== 'done';
}
