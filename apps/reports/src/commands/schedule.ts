import { parseArgs } from 'node:util';
import { type CliOutput, type CustodianContext, SchedulerStop } from '@custodian/core';
import cron from 'node-cron';
import { COMMON_OPTIONS } from '../cli-options.js';
import { catchUpReports, catchUpSummary, morningCron } from '../jobs/report-jobs.js';

/**
 * `reports schedule [--once]`: node-cron at the edge only. At start, every run missed while the
 * scheduler was down (within the catch-up window) is built; then each morning at
 * reports.morningAt (Asia/Shanghai) the day's problem list, and on the first working day after a
 * period its reports. `--once` catches up and exits. Ctrl-C waits for a running report run
 * (`SchedulerStop`); another, a second or more later, aborts it.
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
  const tick = async (stopRequested?: () => boolean) => {
    const caughtUp = await catchUpReports(ctx, new Date(), {
      log,
      ...(stopRequested ? { stopRequested } : {}),
    });
    if (caughtUp === undefined) log('another scheduler holds the lock: this tick is skipped');
    else log(catchUpSummary(caughtUp));
    return caughtUp?.outcomes;
  };
  log(`reports to ${ctx.config.reports.outDir}; catching up missed runs`);
  if (values.once) {
    const first = await tick();
    const failed = (first ?? []).filter((o) => o.status === 'failed').length;
    out.say(`${(first ?? []).length} report run(s), ${failed} failed`);
    out.result({
      ok: first !== undefined && failed === 0,
      runs: (first ?? []).map((o) => ({
        job: o.run.job,
        runKey: o.run.runKey,
        status: o.status,
        error: o.error ?? null,
        files: o.results.flatMap((r) => r.files.map((f) => ({ path: f.absolutePath, sha256: f.sha256 }))),
      })),
    });
    return first === undefined ? 3 : failed > 0 ? 1 : 0;
  }
  const stop = new SchedulerStop(log, 'report run');
  try {
    await stop.track(tick(stop.isRequested));
    if (!stop.isRequested()) {
      const expr = morningCron(ctx);
      log(
        `scheduled: "${expr}" ${ctx.config.timeZone} (reports.morningAt ${ctx.config.reports.morningAt}); Ctrl-C to stop`,
      );
      await stop.runUntilStopped(
        (onTick) =>
          cron.schedule(expr, onTick, {
            timezone: ctx.config.timeZone,
            noOverlap: true,
            name: 'reports.morning',
          }),
        () => tick(stop.isRequested),
        (err) => log(`report run failed: ${err.message}`),
      );
    }
    log('scheduler stopped');
    return 0;
  } finally {
    stop.dispose();
  }
}
