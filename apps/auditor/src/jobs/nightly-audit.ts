import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type CustodianContext, shanghaiTimeOfDay } from '@custodian/core';
import { sql } from 'kysely';
import { auditorConfig } from '../config.js';
import { dayNumberOf, dayString } from '../input/timestamp.js';
import { type RunAuditSummary, runAudit } from '../run-audit.js';

/**
 * The nightly audit (000 "客户管理档案管理制度" §7.3; 004 §7: logs audited for abnormal
 * operations): audits the previous day's logs from `auditor.logsDir` — files whose name carries
 * the date (`access-2026-11-20.jsonl.gz`, `…20261120…`) — with the newest `staff*.csv` and
 * `approvals*.csv` there. Each day is recorded in `job_runs`, so days missed while the scheduler
 * was down are caught up (up to `catchUpDays`). Definition apart from the clock: testable without cron.
 */
export const nightlyAuditJob = {
  id: 'auditor.nightly',
  cron(ctx: CustodianContext): string {
    const [h, m] = auditorConfig(ctx).nightlyAt.split(':').map(Number);
    return `${m} ${h} * * *`;
  },
  /** The day whose logs are due: yesterday (Asia/Shanghai) once the nightly time has passed, else the day before. */
  dueDay(ctx: CustodianContext, now: Date): string {
    const t = shanghaiTimeOfDay(now);
    const [h, m] = auditorConfig(ctx).nightlyAt.split(':').map(Number);
    const today = dayNumberOf(t.date);
    return dayString(t.hour * 60 + t.minute >= h! * 60 + m! ? today - 1 : today - 2);
  },
};

export interface NightlyAuditResult {
  day: string;
  status: 'done' | 'locked' | 'empty';
  files: string[];
  summary?: RunAuditSummary;
}

/** Log files in `dir` for `day` (name contains YYYY-MM-DD or YYYYMMDD). */
export function logFilesFor(dir: string, day: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const compact = day.replaceAll('-', '');
  return names
    .filter(
      (n) => (n.includes(day) || n.includes(compact)) && /\.(jsonl|ndjson|json|csv|log)(\.gz)?$/i.test(n),
    )
    .map((n) => join(dir, n))
    .filter((f) => statSync(f).isFile())
    .sort();
}

function newest(dir: string, prefix: RegExp): string | undefined {
  try {
    return readdirSync(dir)
      .filter((n) => prefix.test(n) && n.toLowerCase().endsWith('.csv'))
      .sort()
      .map((n) => join(dir, n))
      .at(-1);
  } catch {
    return undefined;
  }
}

export async function runNightlyAudit(
  ctx: CustodianContext,
  day: string,
  log: (line: string) => void = () => {},
): Promise<NightlyAuditResult> {
  const cfg = auditorConfig(ctx);
  const files = logFilesFor(cfg.logsDir, day);
  await sql`insert into job_runs (job, run_key, status) values (${nightlyAuditJob.id}, ${day}, 'running')
    on conflict (job, run_key) do update set status = 'running', started_at = now(), finished_at = null`.execute(
    ctx.storage.db,
  );
  const staffFile = newest(cfg.logsDir, /^(staff|人员)/i);
  const approvalsFile = newest(cfg.logsDir, /^(approvals|审批)/i);
  const recordsFile = newest(cfg.logsDir, /^(records|档案目录)/i);
  if (files.length === 0) log(`no log file for ${day} in ${cfg.logsDir}: auditing the audit trail only`);
  const summary = await runAudit(ctx, {
    files,
    ...(staffFile ? { staffFile } : {}),
    ...(approvalsFile ? { approvalsFile } : {}),
    ...(recordsFile ? { recordsFile } : {}),
    asOf: new Date(`${dayString(dayNumberOf(day) + 1)}T00:00:00+08:00`),
  });
  const status = summary ? (files.length === 0 ? 'empty' : 'done') : 'locked';
  await ctx.storage.db
    .updateTable('job_runs')
    .set({
      status: summary ? 'done' : 'failed',
      finished_at: sql`now()`,
      detail: JSON.stringify(
        summary
          ? { files: files.length, events: summary.events, raised: summary.anomalies.raised }
          : { reason: 'locked' },
      ),
    })
    .where('job', '=', nightlyAuditJob.id)
    .where('run_key', '=', day)
    .execute();
  return { day, status, files, ...(summary ? { summary } : {}) };
}

/** Days from `catchUpDays` before `due` through `due` whose run has not completed, oldest first. */
export async function missingDays(ctx: CustodianContext, due: string): Promise<string[]> {
  const cfg = auditorConfig(ctx);
  const last = dayNumberOf(due);
  const days = Array.from({ length: cfg.catchUpDays + 1 }, (_, i) => dayString(last - cfg.catchUpDays + i));
  const rows = await ctx.storage.db
    .selectFrom('job_runs')
    .select(['run_key', 'status'])
    .where('job', '=', nightlyAuditJob.id)
    .where('run_key', 'in', days)
    .execute();
  const doneDays = new Set(rows.filter((r) => r.status === 'done').map((r) => r.run_key));
  // Only days since the first ever run are caught up: a fresh installation starts with yesterday.
  const any = await ctx.storage.db
    .selectFrom('job_runs')
    .select((eb) => eb.fn.min('run_key').as('first'))
    .where('job', '=', nightlyAuditJob.id)
    .executeTakeFirst();
  const first = any?.first as string | null | undefined;
  return days.filter(
    (d) => !doneDays.has(d) && (d === due || (first !== null && first !== undefined && d >= first)),
  );
}

/**
 * What the scheduler does at start and every night: audits every day from the first missing one
 * (within `catchUpDays`) to the day due at `now`, oldest first, and stops at a day another run
 * holds the lock for (that day and the later ones are tried again next time).
 */
export async function catchUpNightlyAudits(
  ctx: CustodianContext,
  now: Date,
  log: (line: string) => void = () => {},
  /** Asked before each day: true ends the catch-up there (the scheduler was asked to stop). */
  stopRequested: () => boolean = () => false,
): Promise<NightlyAuditResult[]> {
  const due = nightlyAuditJob.dueDay(ctx, now);
  const results: NightlyAuditResult[] = [];
  for (const day of await missingDays(ctx, due)) {
    if (stopRequested()) {
      log(`${day} and any later days left for the next start`);
      break;
    }
    log(`auditing ${day} (logs in ${auditorConfig(ctx).logsDir})`);
    const r = await runNightlyAudit(ctx, day, log);
    log(
      `${day}: ${r.status}, ${r.files.length} file(s), ${r.summary?.events ?? 0} events, ${r.summary?.anomalies.raised ?? 0} new anomalies`,
    );
    results.push(r);
    if (r.status === 'locked') break;
  }
  return results;
}
