import type { CliOutput } from '@custodian/core';

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

export interface StopSignalOptions {
  log: (line: string) => void;
  out: CliOutput;
  /** First signal while an ingestion runs: what happens now (the signal's name is put first). */
  waitingMessage: string;
  /** First signal while an ingestion runs: what a second one would do to it. */
  abortWarning: string;
  /** Second signal while an ingestion runs: what the abort leaves. */
  abortedMessage: string;
  /** The content of the `--json` summary of an aborted run (files finished, file interrupted…). */
  abortedSummary: () => Record<string, unknown>;
}

/** Exit status of a command stopped by `signal`: 128 + its number, as a shell reports it. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return signal === 'SIGTERM' ? 143 : 130;
}

/**
 * SIGINT / SIGTERM while `ingest run` or `ingest schedule` works. The first stops new work and
 * lets the running ingestion finish, after which the caller closes the database. A second one
 * aborts at once, with exit code 130 (SIGINT) or 143 (SIGTERM): safe for the archive, because each
 * file merges in one transaction (PostgreSQL rolls it back when the connection drops; the embedded
 * database recovers it like a kill), and the next start fails the interrupted batch (the nightly
 * job also finds its run unfinished in job_runs and catches it up with the files still in the
 * inbox). Before exiting, the abort prints its own summary (formats.md: with `--json` the last
 * line of stdout is always one JSON object): status "aborted", the files finished, the file
 * interrupted. A command prints its own result through `result`, so that an abort after it does
 * not print a second one.
 */
export function watchStopSignals(o: StopSignalOptions) {
  let running: Promise<unknown> | undefined;
  let requested: NodeJS.Signals | undefined;
  let printed = false;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });
  const onSignal = (signal: NodeJS.Signals) => {
    if (requested === undefined) {
      requested = signal;
      o.log(
        running
          ? `${signal}: ${o.waitingMessage} (${signal} again aborts it: ${o.abortWarning})`
          : `${signal}: stopping`,
      );
      resolveStopped();
      return;
    }
    o.log(
      running ? `${signal} again: ingestion aborted; ${o.abortedMessage}` : `${signal} again: stopping now`,
    );
    const exitCode = signalExitCode(signal);
    if (!printed) {
      printed = true;
      o.out.result({ ok: false, status: 'aborted', signal, exitCode, ...o.abortedSummary() });
    }
    process.exit(exitCode);
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
    /** The command's own `--json` summary: an abort after it prints none. */
    result(obj: unknown): void {
      printed = true;
      o.out.result(obj);
    },
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
