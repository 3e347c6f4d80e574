import { type CustodianContext, shanghaiDate, withAdvisoryLock } from '@custodian/core';
import { sql } from 'kysely';
import { type BuildReportResult, buildReport, type ReportKind, scheduledTime } from '../build-report.js';
import type { Lang } from '../i18n.js';
import { addDays, type Period, type PeriodKind, periodContaining, previousPeriod } from '../periods.js';

/**
 * The scheduled reports, apart from the clock (node-cron lives in commands/schedule.ts):
 * - the problem list of every working day, in the morning (config reports.morningAt, 002 §3.7);
 * - the management report of each week, month and quarter, the regulator's quarterly summary
 *   (002 §3.22-23) and the monthly retention report, on the first working day after the period;
 * - the data-quality report of each finished ingestion batch, the morning after it.
 * Each run is recorded in `job_runs` (job, run key = the period), so the runs missed while the
 * scheduler was down are caught up: `dueRuns` lists what should exist by now, `missingRuns` what
 * has not completed.
 */
export interface ReportRun {
  job: string;
  runKey: string;
  kind: ReportKind;
  period: Period;
  batchId?: number;
  /** When it was due: also the generation time printed in it. */
  dueAt: Date;
}

interface PeriodicJob {
  id: string;
  kind: ReportKind;
  periodKind: PeriodKind;
}

export const PERIODIC_JOBS: readonly PeriodicJob[] = [
  { id: 'reports.management.week', kind: 'management', periodKind: 'week' },
  { id: 'reports.management.month', kind: 'management', periodKind: 'month' },
  { id: 'reports.management.quarter', kind: 'management', periodKind: 'quarter' },
  { id: 'reports.regulatory', kind: 'regulatory', periodKind: 'quarter' },
  { id: 'reports.retention', kind: 'retention', periodKind: 'month' },
];
export const PROBLEM_LIST_JOB = 'reports.problem-list';
export const BATCH_JOB = 'reports.batch';

/** How far back missed runs are caught up: two weeks covers a long holiday (春节, 国庆) of downtime. */
export const CATCH_UP_DAYS = 14;

/** The node-cron expression of the morning run (Asia/Shanghai). */
export function morningCron(ctx: CustodianContext): string {
  const [h, m] = ctx.config.reports.morningAt.split(':').map(Number);
  return `${m} ${h} * * *`;
}

/** Every run that should have happened by `now` within the catch-up window, oldest first. */
export async function dueRuns(
  ctx: CustodianContext,
  now: Date,
  catchUpDays = CATCH_UP_DAYS,
): Promise<ReportRun[]> {
  const today = shanghaiDate(now);
  const since = addDays(today, -catchUpDays);
  const runs: ReportRun[] = [];
  for (let d = since; d <= today; d = addDays(d, 1)) {
    if (!ctx.calendar.isWorkingDay(d)) continue;
    const period = periodContaining('day', d);
    const dueAt = scheduledTime(ctx, 'problem-list', period);
    if (dueAt <= now) runs.push({ job: PROBLEM_LIST_JOB, runKey: d, kind: 'problem-list', period, dueAt });
  }
  for (const job of PERIODIC_JOBS) {
    // The last complete periods whose report day falls in the window.
    let p = previousPeriod(periodContaining(job.periodKind, today));
    for (let i = 0; i < 3; i++, p = previousPeriod(p)) {
      const dueAt = scheduledTime(ctx, job.kind, p);
      if (dueAt > now) continue;
      if (shanghaiDate(dueAt) < since) break;
      runs.push({ job: job.id, runKey: p.key, kind: job.kind, period: p, dueAt });
    }
  }
  const batches = await ctx.storage.db
    .selectFrom('batches')
    .select(['batch_id', 'ingested_on'])
    .where('status', '=', 'done')
    .where('ingested_on', '>=', since)
    .orderBy('batch_id')
    .execute();
  for (const b of batches) {
    const period = periodContaining('day', b.ingested_on);
    const dueAt = scheduledTime(ctx, 'batch', period);
    if (dueAt <= now) {
      runs.push({
        job: BATCH_JOB,
        runKey: `batch-${b.batch_id}`,
        kind: 'batch',
        period,
        batchId: b.batch_id,
        dueAt,
      });
    }
  }
  return runs.sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime() || (a.job < b.job ? -1 : 1));
}

/** The due runs that have not completed (never ran, or failed). */
export async function missingRuns(
  ctx: CustodianContext,
  now: Date,
  catchUpDays = CATCH_UP_DAYS,
): Promise<ReportRun[]> {
  const due = await dueRuns(ctx, now, catchUpDays);
  if (due.length === 0) return [];
  const done = await ctx.storage.db
    .selectFrom('job_runs')
    .select(['job', 'run_key'])
    .where('status', '=', 'done')
    .where('job', 'in', [...new Set(due.map((r) => r.job))])
    .execute();
  const doneKeys = new Set(done.map((d) => `${d.job}\0${d.run_key}`));
  return due.filter((r) => !doneKeys.has(`${r.job}\0${r.runKey}`));
}

export interface RunOutcome {
  run: ReportRun;
  status: 'done' | 'failed';
  results: BuildReportResult[];
  error?: string;
}

/** Builds one scheduled report in each language and records the run. Never throws for a failed build. */
export async function runReportJob(
  ctx: CustodianContext,
  run: ReportRun,
  opts: { langs?: readonly Lang[]; outDir?: string; now?: Date } = {},
): Promise<RunOutcome> {
  await sql`insert into job_runs (job, run_key, status) values (${run.job}, ${run.runKey}, 'running')
    on conflict (job, run_key) do update set status = 'running', started_at = now(), finished_at = null`.execute(
    ctx.storage.db,
  );
  const results: BuildReportResult[] = [];
  try {
    for (const lang of opts.langs ?? ['zh']) {
      results.push(
        await buildReport(ctx, {
          kind: run.kind,
          period: run.period,
          lang,
          outDir: opts.outDir,
          batchId: run.batchId,
          now: opts.now,
        }),
      );
    }
    await finishRun(ctx, run, 'done', {
      files: results.flatMap((r) => r.files.map((f) => ({ path: f.path, sha256: f.sha256 }))),
    });
    return { run, status: 'done', results };
  } catch (err) {
    const message = (err as Error).message;
    await finishRun(ctx, run, 'failed', { error: message });
    return { run, status: 'failed', results, error: message };
  }
}

async function finishRun(ctx: CustodianContext, run: ReportRun, status: 'done' | 'failed', detail: unknown) {
  await ctx.storage.db
    .updateTable('job_runs')
    .set({ status, finished_at: sql`now()`, detail: JSON.stringify(detail) })
    .where('job', '=', run.job)
    .where('run_key', '=', run.runKey)
    .execute();
}

/** What one scheduler tick did: the runs it built (or tried to), and those a stop request left. */
export interface CatchUp {
  outcomes: RunOutcome[];
  /** The missing runs not started because the scheduler was asked to stop; the next start builds them. */
  left: ReportRun[];
}

/**
 * One scheduler tick: every missing run, oldest first, under an advisory lock so two schedulers
 * never build the same report at once. Returns `undefined` when another scheduler holds the lock.
 */
export async function catchUpReports(
  ctx: CustodianContext,
  now: Date,
  opts: {
    langs?: readonly Lang[];
    outDir?: string;
    log?: (line: string) => void;
    catchUpDays?: number;
    /** Asked before each run: true ends the catch-up there (the scheduler was asked to stop). */
    stopRequested?: () => boolean;
  } = {},
): Promise<CatchUp | undefined> {
  const log = opts.log ?? (() => {});
  const r = await withAdvisoryLock(ctx.storage, 'reports.schedule', async (): Promise<CatchUp> => {
    const outcomes: RunOutcome[] = [];
    const missing = await missingRuns(ctx, now, opts.catchUpDays);
    for (const [i, run] of missing.entries()) {
      if (opts.stopRequested?.()) {
        log(`${run.job} ${run.runKey} and any later runs left for the next start`);
        return { outcomes, left: missing.slice(i) };
      }
      log(`${run.job} ${run.runKey}: building`);
      const o = await runReportJob(ctx, run, {
        ...(opts.langs ? { langs: opts.langs } : {}),
        ...(opts.outDir ? { outDir: opts.outDir } : {}),
        now,
      });
      log(
        `${run.job} ${run.runKey}: ${o.status}${o.error ? ` (${o.error})` : ''}${o.results
          .flatMap((x) => x.files.map((f) => ` ${f.path}`))
          .join('')}`,
      );
      outcomes.push(o);
    }
    return { outcomes, left: [] };
  });
  return r.acquired ? r.result : undefined;
}

/**
 * The scheduler's line after a tick, e.g. "3 report run(s) built, 1 failed; stop requested: 2 left
 * for the next start". Failed runs are not counted as built.
 */
export function catchUpSummary({ outcomes, left }: CatchUp): string {
  const failed = outcomes.filter((o) => o.status === 'failed').length;
  return [
    `${outcomes.length - failed} report run(s) built`,
    failed > 0 ? `, ${failed} failed` : '',
    left.length > 0 ? `; stop requested: ${left.length} left for the next start` : '',
  ].join('');
}
