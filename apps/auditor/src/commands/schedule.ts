import { parseArgs } from 'node:util';
import { type CliOutput, type CustodianContext, SchedulerStop } from '@custodian/core';
import cron from 'node-cron';
import { COMMON_OPTIONS } from '../cli-options.js';
import { auditorConfig } from '../config.js';
import { catchUpNightlyAudits, nightlyAuditJob } from '../jobs/nightly-audit.js';

/**
 * `auditor schedule`: node-cron at the edge only. At start, days missed while the scheduler was
 * down are audited (job_runs); then the job runs nightly. Overlaps are refused by node-cron
 * (`noOverlap`) and, across processes and machines, by the advisory lock inside runAudit. Ctrl-C
 * waits for a running audit (`SchedulerStop`); another, a second or more later, aborts it.
 */
export async function runScheduleCommand(
  ctx: CustodianContext,
  argv: string[],
  out: CliOutput,
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...COMMON_OPTIONS, once: { type: 'boolean' } },
  });
  const log = (line: string) => out.note(`[${new Date().toISOString()}] ${line}`);
  const catchUp = (stopRequested?: () => boolean) =>
    catchUpNightlyAudits(ctx, new Date(), log, stopRequested);
  if (values.once) {
    const results = await catchUp();
    const locked = results.some((r) => r.status === 'locked');
    out.result({
      ok: !locked,
      runs: results.map((r) => ({
        day: r.day,
        status: r.status,
        files: r.files,
        events: r.summary?.events ?? 0,
      })),
    });
    return locked ? 3 : 0;
  }
  const stop = new SchedulerStop(log, 'nightly audit');
  try {
    await stop.track(catchUp(stop.isRequested));
    if (!stop.isRequested()) {
      const expr = nightlyAuditJob.cron(ctx);
      log(
        `scheduled: "${expr}" Asia/Shanghai (auditor.nightlyAt ${auditorConfig(ctx).nightlyAt}); Ctrl-C to stop`,
      );
      await stop.runUntilStopped(
        (onTick) =>
          cron.schedule(expr, onTick, {
            timezone: ctx.config.timeZone,
            noOverlap: true,
            name: nightlyAuditJob.id,
          }),
        () => catchUp(stop.isRequested),
        (err) => log(`nightly audit failed: ${err.message}`),
      );
    }
    log('scheduler stopped');
    return 0;
  } finally {
    stop.dispose();
  }
}
