import { mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type CustodianContext, shanghaiDate, shanghaiTimeOfDay } from '@custodian/core';
import { sql } from 'kysely';
import { type FileResult, isAllQuarantined } from '../pipeline/ingest-file.js';
import { describeRejected, type MasterDataResult } from '../pipeline/master-data.js';
import { type IngestRunSummary, runIngest } from '../run-ingest.js';

/**
 * The nightly ingestion (002 §3.7: the suspicious-record list by the next working morning): takes
 * every file in the inbox, agents and complaints first, moves each file to `done/` or `failed/`,
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

export interface NightlyInput {
  runKey: string;
  log?: (line: string) => void;
  /** Encoder threads; default from configuration (tests pass 0: encode inline). */
  workers?: number;
  /** Each file (master data first) as it starts and as it ends: for the summary of an aborted run. */
  onFileStart?: (file: string) => void;
  onFileDone?: (r: MasterDataResult | FileResult) => void;
}

export interface NightlyResult {
  runKey: string;
  status: 'done' | 'locked' | 'empty';
  moved: { file: string; to: string }[];
  summary?: IngestRunSummary;
}

const TABLE_FILE = /\.(csv|xlsx|xlsm|txt)$/i;

/**
 * The inbox's table files in name order. Every master-data file is taken, oldest name first, so
 * that agents_20261122.csv and agents_20261123.csv both load and the newer wins; none is left to
 * be loaded again the next night over newer data.
 */
function inboxFiles(inbox: string): { customers: string[]; agents: string[]; complaints: string[] } {
  mkdirSync(inbox, { recursive: true });
  const names = readdirSync(inbox)
    .filter((n) => TABLE_FILE.test(n) && statSync(join(inbox, n)).isFile())
    .sort();
  const isAgents = (n: string) => /^(agents|营销员|代理人)/i.test(n);
  const isComplaints = (n: string) => /^(complaints|投诉)/i.test(n);
  return {
    customers: names.filter((n) => !isAgents(n) && !isComplaints(n)).map((n) => join(inbox, n)),
    agents: names.filter(isAgents).map((n) => join(inbox, n)),
    complaints: names.filter(isComplaints).map((n) => join(inbox, n)),
  };
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
  const found = inboxFiles(inbox);
  const all = [...found.agents, ...found.complaints, ...found.customers];
  await sql`insert into job_runs (job, run_key, status) values (${nightlyIngestJob.id}, ${runKey}, 'running')
    on conflict (job, run_key) do update set status = 'running', started_at = now(), finished_at = null`.execute(
    ctx.storage.db,
  );
  if (all.length === 0) {
    log(`inbox ${inbox} is empty: nothing to ingest`);
    await finishRun(ctx, runKey, 'done', { files: 0 });
    return { runKey, status: 'empty', moved: [] };
  }
  let summary: IngestRunSummary | undefined;
  try {
    summary = await runIngest(ctx, {
      files: found.customers,
      agentsFiles: found.agents,
      complaintsFiles: found.complaints,
      date: shanghaiDate(new Date()),
      ...(workers === undefined ? {} : { workers }),
      ...(onFileStart ? { onFileStart } : {}),
      onMasterDataDone: (m) => {
        log(
          m.status === 'failed'
            ? `${basename(m.file)}: failed (${m.message})`
            : `${basename(m.file)}: ${m.loaded} ${m.kind} loaded, ${m.rejected.length} rejected`,
        );
        for (const r of m.rejected.slice(0, 10)) log(`  ${describeRejected(m.file, r)}`);
        onFileDone?.(m);
      },
      onFileDone: (r) => {
        log(`${basename(r.file)}: ${r.status}${r.message ? ` (${r.message})` : ''}`);
        for (const w of r.warnings ?? []) log(`${basename(r.file)}: warning: ${w}`);
        if (isAllQuarantined(r))
          log(
            `${basename(r.file)}: warning: all ${r.rowsRead} rows quarantined, none staged; moved to done/ ` +
              `(its rows are in table quarantine, batch ${r.batchId}); the run reports it (exit 4 with --once)`,
          );
        onFileDone?.(r);
      },
    });
  } catch (err) {
    // Not a file's fault (those fail alone): the files stay in the inbox for the catch-up.
    await finishRun(ctx, runKey, 'failed', { error: (err as Error).message }).catch(() => undefined);
    throw err;
  }
  if (!summary) {
    log('another ingestion holds the lock: this run is skipped');
    await finishRun(ctx, runKey, 'failed', { reason: 'locked' });
    return { runKey, status: 'locked', moved: [] };
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
  for (const r of [...summary.masterData, ...summary.files]) {
    const folder = r.status === 'failed' ? 'failed' : 'done';
    moved.push({ file: r.file, to: moveTo(r.file, join(inbox, folder), stamp) });
  }
  await finishRun(ctx, runKey, 'done', { totals: summary.totals });
  return { runKey, status: 'done', moved, summary };
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
