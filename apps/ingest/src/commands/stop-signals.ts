import { type CliOutput, REPEAT_WINDOW_MS, signalExitCode } from '@custodian/core';
import type { EarlySignal } from './early-signals.js';

/** A file of the run, as the summary of an aborted run lists it. */
export interface TrackedFile {
  file: string;
  status: string;
  batchId?: number;
  rowsRead?: number;
  rowsQuarantined?: number;
}

/**
 * What a run has done so far, for the summary printed when a second signal aborts it: the files
 * finished (done, skipped or failed) and the one being read or merged when the signal came.
 */
export class RunTracker {
  finished: TrackedFile[] = [];
  current: string | undefined;

  /** A new run (the scheduler runs many): forget the previous one. */
  reset(): void {
    this.finished = [];
    this.current = undefined;
  }

  started(file: string): void {
    this.current = file;
  }

  done(r: TrackedFile): void {
    this.finished.push({
      file: r.file,
      status: r.status,
      ...(r.batchId === undefined ? {} : { batchId: r.batchId }),
      ...(r.rowsRead === undefined ? {} : { rowsRead: r.rowsRead }),
      ...(r.rowsQuarantined === undefined ? {} : { rowsQuarantined: r.rowsQuarantined }),
    });
    if (this.current === r.file) this.current = undefined;
  }
}

/** What a command says about a stop, once its arguments are parsed (`StopWatch.describe`). */
export interface StopSignalOptions {
  /** Where the messages go (the scheduler stamps them with the time); stderr before `describe`. */
  log?: (line: string) => void;
  /** First signal while an ingestion runs: what happens now (the signal's name is put first). */
  waitingMessage: string;
  /** First signal while an ingestion runs: what a second one would do to it. */
  abortWarning: string;
  /** First signal while no ingestion runs: what is not done (after "SIGINT: stopping, "). */
  idleMessage: string;
  /**
   * First signal while the run waits instead of ingesting (for inbox files still being written, or
   * to try again a run another ingestion held the lock of): what happens now, in place of
   * `waitingMessage` and `abortWarning` (the wait ends at once, nothing is taken); undefined while
   * it ingests.
   */
  pausedMessage?: () => string | undefined;
  /** Second signal while an ingestion runs: what the abort leaves. */
  abortedMessage: string;
  /** The content of the `--json` summary of an aborted run (files finished, file interrupted…). */
  abortedSummary: () => Record<string, unknown>;
}

export { REPEAT_WINDOW_MS, signalExitCode };

export type StopWatch = ReturnType<typeof watchStopSignals>;

/** Where SIGINT and SIGTERM come from: the process; in tests, an EventEmitter standing for it. */
export interface SignalSource {
  on(event: 'SIGINT' | 'SIGTERM', listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: 'SIGINT' | 'SIGTERM', listener: (signal: NodeJS.Signals) => void): unknown;
}

/**
 * Runs `command` under `stop`, the watch cli.ts set up before the database opened; without one
 * (a test calling the command directly), under a watch of its own, disposed when it returns.
 */
export async function underStopWatch(
  out: CliOutput,
  stop: StopWatch | undefined,
  command: (stop: StopWatch) => Promise<number>,
): Promise<number> {
  if (stop) return command(stop);
  const own = watchStopSignals(out);
  try {
    return await command(own);
  } finally {
    own.dispose();
  }
}

/**
 * SIGINT / SIGTERM while `ingest run` or `ingest schedule` works, watched from before the database
 * opens (cli.ts), so that a signal while it opens and migrates is answered too: the command then
 * starts nothing, prints its summary (status "stopped") and the caller closes the database.
 *
 * The first signal stops new work and lets the running ingestion finish, after which the caller
 * closes the database. The same signal repeated within `REPEAT_WINDOW_MS` is the same Ctrl-C
 * (relayed by pnpm and tsx) and is ignored. A second one later aborts at once, with exit code 130
 * (SIGINT) or 143 (SIGTERM): safe for the archive, because each file merges in one transaction
 * (PostgreSQL rolls it back when the connection drops; the embedded database recovers it like a
 * kill), and the next start fails the interrupted batch (the nightly job also finds its run
 * unfinished in job_runs and catches it up with the files still in the inbox). Before exiting, the
 * abort prints its own summary (formats.md: with `--json` the last line of stdout is always one
 * JSON object): status "aborted", the files finished, the file interrupted. A command prints its
 * own result through `result`, so that an abort after it does not print a second one.
 */
export function watchStopSignals(
  out: CliOutput,
  early: readonly EarlySignal[] = [],
  signals: SignalSource = process,
) {
  let o: StopSignalOptions | undefined;
  let running: Promise<unknown> | undefined;
  let requested: NodeJS.Signals | undefined;
  let requestedAt = 0;
  let printed = false;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });
  const log = (line: string) => (o?.log ?? ((l: string) => out.note(l)))(line);
  // Node calls a signal's listeners with (name, number): `now` is given only by the replay below.
  const answer = (signal: NodeJS.Signals, now: number) => {
    if (requested === undefined) {
      requested = signal;
      requestedAt = now;
      const paused = o?.pausedMessage?.();
      log(
        paused !== undefined
          ? `${signal}: ${paused}`
          : running && o
            ? `${signal}: ${o.waitingMessage} (${signal} again, a second or more later, aborts it: ${o.abortWarning})`
            : `${signal}: stopping, ${o ? o.idleMessage : 'nothing is started'}`,
      );
      resolveStopped();
      return;
    }
    // The same Ctrl-C, delivered to the process group and relayed by pnpm / tsx (REPEAT_WINDOW_MS).
    if (now - requestedAt < REPEAT_WINDOW_MS) return;
    log(
      running && o
        ? `${signal} again: ingestion aborted; ${o.abortedMessage}`
        : `${signal} again: stopping now`,
    );
    const exitCode = signalExitCode(signal);
    if (!printed) {
      printed = true;
      out.result({ ok: false, status: 'aborted', signal, exitCode, ...(o?.abortedSummary() ?? {}) });
    }
    process.exit(exitCode);
  };
  const onSignal = (signal: NodeJS.Signals) => answer(signal, performance.now());
  signals.on('SIGINT', onSignal);
  signals.on('SIGTERM', onSignal);
  // Signals held while the command line loaded (early-signals.ts): answered now, each by the time it came.
  for (const e of early) answer(e.signal, e.at);
  return {
    stopped,
    get requested() {
      return requested;
    },
    /** The command's messages and abort summary, once its arguments are parsed. */
    describe(options: StopSignalOptions): void {
      o = options;
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
    /** The command's own `--json` summary: an abort after it prints none. */
    result(obj: unknown): void {
      printed = true;
      out.result(obj);
    },
    dispose() {
      signals.off('SIGINT', onSignal);
      signals.off('SIGTERM', onSignal);
    },
  };
}
