import { parseArgs } from 'node:util';
import type { CliOutput, CustodianContext } from '@custodian/core';
import cron from 'node-cron';
import { COMMON_OPTIONS } from '../cli-options.js';
import { isRunMissing, nightlyIngestJob } from '../jobs/nightly-ingest.js';

/**
 * `ingest schedule`: node-cron at the edge only. At start, the most recent due run is caught up if
 * it did not complete (node-cron keeps no state); then the job runs nightly. Overlaps are refused
 * by node-cron (`noOverlap`) and, across machines, by the advisory lock inside the job.
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
  const runFor = async (runKey: string) => {
    log(`nightly ingestion ${runKey}: inbox ${ctx.config.ingest.inbox}`);
    const r = await nightlyIngestJob.run(ctx, { runKey, log });
    log(`nightly ingestion ${runKey}: ${r.status}, ${r.moved.length} file(s) moved`);
    return r;
  };
  const due = nightlyIngestJob.dueRunKey(ctx, new Date());
  if (values.once) {
    const r = await runFor(due);
    out.result({ ok: r.status !== 'locked', ...r });
    return r.status === 'locked' ? 3 : 0;
  }
  if (await isRunMissing(ctx, due)) {
    log(`run ${due} is missing (scheduler was down?): catching up now`);
    await runFor(due);
  }
  const expr = nightlyIngestJob.cron(ctx);
  log(`scheduled: "${expr}" Asia/Shanghai (ingest.nightlyAt ${ctx.config.ingest.nightlyAt}); Ctrl-C to stop`);
  const task = cron.schedule(
    expr,
    async () => {
      try {
        await runFor(nightlyIngestJob.dueRunKey(ctx, new Date()));
      } catch (err) {
        log(`nightly ingestion failed: ${(err as Error).message}`);
      }
    },
    { timezone: ctx.config.timeZone, noOverlap: true, name: nightlyIngestJob.id },
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await task.stop();
  log('scheduler stopped');
  return 0;
}
