import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { type CliOutput, type CustodianContext, echoValue } from '@custodian/core';
import cron from 'node-cron';
import { COMMON_OPTIONS, usageError } from '../cli-options.js';
import { isRunMissing, nightlyIngestJob, prepareInbox } from '../jobs/nightly-ingest.js';
import { runExitCode } from '../run-ingest.js';
import { RunTracker, type StopWatch, signalExitCode, underStopWatch } from './stop-signals.js';

/**
 * `ingest schedule`: node-cron at the edge only. At start, the most recent due run is caught up if
 * it did not complete (node-cron keeps no state); then the job runs nightly. A run that finds
 * another ingestion holding the lock, or that breaks, is tried again every
 * `ingest.nightlyRetrySeconds` until it runs (`--once` tries once). Overlaps are refused by
 * node-cron (`noOverlap`), by the retries being made in turn, and, across machines, by the advisory
 * lock inside the job. `stop` watches SIGINT / SIGTERM from before the database opened (cli.ts);
 * without it (a test calling the command), the command watches them itself.
 */
export async function runScheduleCommand(
  ctx: CustodianContext,
  argv: string[],
  out: CliOutput,
  stop?: StopWatch,
): Promise<number> {
  return underStopWatch(out, stop, (s) => scheduleWatched(ctx, argv, out, s));
}

async function scheduleWatched(ctx: CustodianContext, argv: string[], out: CliOutput, stop: StopWatch) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...COMMON_OPTIONS, once: { type: 'boolean' } },
  });
  // `schedule --once /some/dir` ran over the configured inbox as if the folder had been taken.
  if (positionals.length > 0)
    throw usageError(
      `schedule takes no file arguments (got ${positionals.map(echoValue).join(', ')}): it ingests the ` +
        `inbox ${ctx.config.ingest.inbox}, set by ingest.inbox in the configuration file or CUSTODIAN_INBOX; ` +
        'to ingest given files, use ingest run <file...>',
    );
  // A path that is not a folder is refused now, with one line, rather than at 01:00.
  prepareInbox(ctx.config.ingest.inbox);
  const log = (line: string) => out.note(`[${new Date().toISOString()}] ${line}`);
  const tracker = new RunTracker();
  let runKey: string | undefined;
  // Ends the waits (for files still being written, before a retry) as soon as a stop is asked for.
  const stopping = new AbortController();
  void stop.stopped.then(() => stopping.abort());
  // What the run is waiting for, when it waits instead of ingesting: the first signal says so.
  let paused: string | undefined;
  const runFor = async (key: string) => {
    runKey = key;
    tracker.reset();
    log(`nightly ingestion ${key}: inbox ${ctx.config.ingest.inbox}`);
    const r = await nightlyIngestJob.run(ctx, {
      runKey: key,
      log,
      onFileStart: (file) => tracker.started(file),
      onFileDone: (f) => tracker.done(f),
      signal: stopping.signal,
      onWaiting: (waiting) => {
        paused = waiting
          ? `no new runs; the run waiting for inbox files still being written stops now, nothing is taken ` +
            '(the next start catches the run up)'
          : undefined;
      },
    });
    // The job said why (stopped while waiting for files): nothing was done.
    if (r.status === 'stopped') return r;
    const t = r.summary?.totals;
    log(
      `nightly ingestion ${key}: ${r.status}, ${r.moved.length} file(s) moved` +
        (r.left.length > 0 ? `, ${r.left.length} left in the inbox` : '') +
        (t
          ? `; ${t.rowsRead.toLocaleString('en')} rows, ${t.rowsQuarantined} quarantined, ${t.flagsRaised} flags raised, ` +
            `${t.flagsReopened} reopened, ${t.flagsAutoClosed} closed by corrections` +
            (t.filesFailed > 0 ? `, ${t.filesFailed} file(s) FAILED (moved to failed/)` : '') +
            (t.filesAllQuarantined > 0 ? `, ${t.filesAllQuarantined} file(s) with every row quarantined` : '')
          : ''),
    );
    return r;
  };
  const retrySeconds = ctx.config.ingest.nightlyRetrySeconds;
  const retryIn =
    retrySeconds >= 60 && retrySeconds % 60 === 0 ? `${retrySeconds / 60} min` : `${retrySeconds} s`;
  /**
   * Runs `first` until it has run. A run that found another ingestion holding the lock (a manual
   * `ingest run`), or that broke (the database unreachable), left its files in the inbox: they
   * waited for the next night and missed the morning list (T+1). It is tried again every
   * `ingest.nightlyRetrySeconds` while the scheduler runs, one try at a time, until a stop. Should
   * the tries outlast a night (node-cron skips a firing while this runs), the run due since is made
   * next. Never throws: a failure is logged and tried again.
   */
  const runUntilDone = async (first: string) => {
    let key = first;
    for (let attempt = 1; !stop.requested; attempt++) {
      let why: string;
      try {
        // Another scheduler (on another machine, on the same server) made the run while this one
        // waited to retry: made again, it found the inbox empty and wrote over its record.
        if (attempt > 1 && !(await isRunMissing(ctx, key))) {
          log(`nightly ingestion ${key}: made meanwhile by another ingestion; not retried`);
          return;
        }
        const r = await runFor(key);
        if (r.status !== 'locked') {
          const due = nightlyIngestJob.dueRunKey(ctx, new Date());
          if (r.status === 'stopped' || due === key) return;
          log(`run ${due} became due while run ${key} was made: running it now`);
          key = due;
          attempt = 0;
          continue;
        }
        why = 'locked by another ingestion';
      } catch (err) {
        why = `failed: ${(err as Error).message}`;
      }
      if (stop.requested) break;
      paused = `no new runs; run ${key} is not retried (the next start catches it up)`;
      log(
        `nightly ingestion ${key} ${why}; the files stay in the inbox; retrying in ${retryIn} ` +
          `(ingest.nightlyRetrySeconds), try ${attempt + 1}`,
      );
      await sleep(retrySeconds * 1000, undefined, { signal: stopping.signal }).catch(() => undefined);
      paused = undefined;
    }
    log(
      `nightly ingestion ${key}: not retried, the scheduler is stopping; the next start catches the run up`,
    );
  };
  stop.describe({
    log,
    waitingMessage: 'no new runs; waiting for the running ingestion to finish',
    abortWarning:
      'the file being merged is rolled back, the archive stays as before it, and the next start ' +
      'recovers the interrupted batch and catches the run up',
    idleMessage: 'no new runs',
    pausedMessage: () => paused,
    abortedMessage: 'the next start recovers the interrupted batch and catches the run up',
    // The files finished are ingested but still in the inbox (files move when the run ends): the
    // catch-up skips them as already ingested and moves them.
    abortedSummary: () => ({
      runKey: runKey ?? null,
      finished: tracker.finished,
      interrupted: tracker.current ?? null,
    }),
  });
  const due = nightlyIngestJob.dueRunKey(ctx, new Date());
  // A signal before anything was started (while the database opened): no run is started (it is
  // still missing, so the next start catches it up); the caller closes the database.
  if (stop.requested) {
    log(`stopped by ${stop.requested} before run ${due} was started`);
    if (values.once) {
      const exitCode = signalExitCode(stop.requested);
      stop.result({ ok: false, status: 'stopped', signal: stop.requested, exitCode, runKey: due });
      return exitCode;
    }
    stop.result({ ok: true, status: 'stopped', signal: stop.requested });
    return 0;
  }
  if (values.once) {
    const r = await stop.track(runFor(due));
    if (r.status === 'stopped') {
      const exitCode = signalExitCode(stop.requested ?? 'SIGINT');
      stop.result({ ok: false, status: 'stopped', signal: stop.requested, exitCode, runKey: due });
      return exitCode;
    }
    // --once tries once (a cron job that runs it again, or the scheduler, catches the run up).
    if (r.status === 'locked')
      log(
        `run ${due} was not made (exit 3): run schedule --once again once the other ingestion has finished`,
      );
    // As `run` (a failed file is in failed/, one with every row quarantined in done/), so that
    // cron's mail says so.
    const code = r.status === 'locked' ? 3 : r.summary ? runExitCode(r.summary.totals) : 0;
    stop.result({ ok: code === 0, ...r });
    return code;
  }
  if ((await isRunMissing(ctx, due)) && !stop.requested) {
    log(`run ${due} is missing (scheduler was down?): catching up now`);
    await stop.track(runUntilDone(due));
  }
  if (stop.requested) {
    log('scheduler stopped');
    stop.result({ ok: true, status: 'stopped', signal: stop.requested });
    return 0;
  }
  const expr = nightlyIngestJob.cron(ctx);
  log(`scheduled: "${expr}" Asia/Shanghai (ingest.nightlyAt ${ctx.config.ingest.nightlyAt}); Ctrl-C to stop`);
  const task = cron.schedule(
    expr,
    async () => {
      if (stop.requested) return;
      await stop.track(runUntilDone(nightlyIngestJob.dueRunKey(ctx, new Date())));
    },
    { timezone: ctx.config.timeZone, noOverlap: true, name: nightlyIngestJob.id },
  );
  await stop.stopped;
  await task.stop();
  // The database is closed by the caller only after the running ingestion has finished.
  await stop.idle();
  log('scheduler stopped');
  stop.result({ ok: true, status: 'stopped', signal: stop.requested ?? null });
  return 0;
}
