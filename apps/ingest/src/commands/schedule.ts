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
  const stop = watchStopSignals(log);
  try {
    const due = nightlyIngestJob.dueRunKey(ctx, new Date());
    if (values.once) {
      const r = await stop.track(runFor(due));
      const failed = r.summary?.totals.filesFailed ?? 0;
      out.result({ ok: r.status !== 'locked' && failed === 0, ...r });
      // As `run`: 1 when a file failed (it is in failed/), so that cron's mail says so.
      return r.status === 'locked' ? 3 : failed > 0 ? 1 : 0;
    }
    if (await isRunMissing(ctx, due)) {
      log(`run ${due} is missing (scheduler was down?): catching up now`);
      await stop.track(runFor(due));
    }
    if (stop.requested) {
      log('scheduler stopped');
      return 0;
    }
    const expr = nightlyIngestJob.cron(ctx);
    log(
      `scheduled: "${expr}" Asia/Shanghai (ingest.nightlyAt ${ctx.config.ingest.nightlyAt}); Ctrl-C to stop`,
    );
    const task = cron.schedule(
      expr,
      async () => {
        if (stop.requested) return;
        try {
          await stop.track(runFor(nightlyIngestJob.dueRunKey(ctx, new Date())));
        } catch (err) {
          log(`nightly ingestion failed: ${(err as Error).message}`);
        }
      },
      { timezone: ctx.config.timeZone, noOverlap: true, name: nightlyIngestJob.id },
    );
    await stop.stopped;
    await task.stop();
    // The database is closed by the caller only after the running ingestion has finished.
    await stop.idle();
    log('scheduler stopped');
    return 0;
  } finally {
    stop.dispose();
  }
}

/**
 * SIGINT / SIGTERM while the scheduler runs. The first stops new runs and lets the running one
 * finish (its files moved, its job_runs row finished), after which the caller closes the database.
 * A second one aborts at once, with exit code 130 (SIGINT) or 143 (SIGTERM): safe for the archive,
 * because each file merges in one transaction (PostgreSQL rolls it back when the connection drops;
 * the embedded database recovers it like a kill), and the next start fails the interrupted batch,
 * finds the run unfinished in job_runs and catches it up with the files still in the inbox.
 */
function watchStopSignals(log: (line: string) => void) {
  let running: Promise<unknown> | undefined;
  let requested: NodeJS.Signals | undefined;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });
  const onSignal = (signal: NodeJS.Signals) => {
    if (requested === undefined) {
      requested = signal;
      log(
        running
          ? `${signal}: no new runs; waiting for the running ingestion to finish (${signal} again aborts it: ` +
              'the file being merged is rolled back, the archive stays as before it, and the next start ' +
              'recovers the interrupted batch and catches the run up)'
          : `${signal}: stopping`,
      );
      resolveStopped();
      return;
    }
    log(
      running
        ? `${signal} again: ingestion aborted; the next start recovers the interrupted batch and catches the run up`
        : `${signal} again: stopping now`,
    );
    process.exit(signal === 'SIGTERM' ? 143 : 130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    stopped,
    get requested() {
      return requested;
    },
    /** Runs `p` as the running ingestion: a stop waits for it. */
    async track<T>(p: Promise<T>): Promise<T> {
      running = p;
      try {
        return await p;
      } finally {
        running = undefined;
      }
    },
    /** Resolves when no ingestion is running (its failure was already logged by the caller). */
    async idle(): Promise<void> {
      while (running) await running.catch(() => undefined);
    },
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
