/**
 * How long after a first signal a repeated one is taken as the same Ctrl-C, not a second one. A
 * Ctrl-C in a terminal sends SIGINT to the whole process group, and `pnpm ingest` (pnpm, then the
 * tsx command line; the same for the other apps) also relays the SIGINT it gets to its child: the
 * command receives two or three SIGINTs within milliseconds for one key press, and took the second for a second Ctrl-C (an abort,
 * the file rolled back). One second is far above that relay delay (milliseconds, tens on a loaded
 * machine) and below the time a person takes to read "SIGINT again aborts it" and press again;
 * the message says "a second or more later". The time is when the handler runs: while the main
 * thread is busy (a large merge on the embedded database), two presses may be handled together and
 * count as one, and a third press aborts.
 */
export const REPEAT_WINDOW_MS = 1000;

/** Exit status of a command stopped by `signal`: 128 + its number, as a shell reports it. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return signal === 'SIGTERM' ? 143 : 130;
}

/**
 * How a long-running scheduler (`auditor schedule`, `reports schedule`) stops on SIGINT / SIGTERM:
 * a run that is going when the signal comes is waited for, so that the command closes the database
 * only after it (node-cron's `task.stop()` does not wait for a running execution); a second signal
 * a second or more later exits at once, and the server rolls back what the run had not committed.
 * (`ingest run` and `ingest schedule` have their own watch, apps/ingest stop-signals.ts, with the
 * same window and exit codes, which also answers signals while the database opens and prints the
 * files of an aborted run.)
 */
export class SchedulerStop {
  /** The signal that asked to stop, once one came. */
  requested: NodeJS.Signals | undefined;
  /** Resolves with the first signal. */
  readonly stopped: Promise<NodeJS.Signals>;
  /** True once a signal asked to stop: for a catch-up to end between its runs. */
  readonly isRequested = (): boolean => this.requested !== undefined;
  private readonly running = new Set<Promise<unknown>>();
  private firstAt = 0;
  private resolveStopped!: (signal: NodeJS.Signals) => void;
  private readonly onInt = () => this.signal('SIGINT');
  private readonly onTerm = () => this.signal('SIGTERM');

  constructor(
    private readonly log: (line: string) => void,
    /** What runs, for the messages: "nightly audit", "report run". */
    private readonly what: string,
    private readonly opts: {
      /** A signal this soon after the first is the same Ctrl-C (default `REPEAT_WINDOW_MS`). */
      repeatMs?: number;
      exit?: (code: number) => void;
    } = {},
  ) {
    this.stopped = new Promise((resolve) => {
      this.resolveStopped = resolve;
    });
    process.on('SIGINT', this.onInt);
    process.on('SIGTERM', this.onTerm);
  }

  /** Runs `work` as one of the runs a stop waits for. */
  track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    const forget = () => {
      this.running.delete(work);
    };
    work.then(forget, forget);
    return work;
  }

  /**
   * Runs `tick` at every firing of the task `schedule` starts (node-cron's, say), one at a time,
   * until a signal; then stops the task and waits for a run that is going. A run's failure goes to
   * `failed` and the schedule goes on.
   */
  async runUntilStopped(
    schedule: (onTick: () => Promise<void>) => { stop(): unknown },
    tick: () => Promise<unknown>,
    failed: (err: Error) => void,
  ): Promise<void> {
    const task = schedule(async () => {
      if (this.requested) return;
      try {
        await this.track(tick());
      } catch (err) {
        failed(err as Error);
      }
    });
    await this.stopped;
    await task.stop();
    await this.idle();
  }

  /** Resolves when no tracked run is going (whatever their outcome). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Stops listening for the signals (the command is over). */
  dispose(): void {
    process.off('SIGINT', this.onInt);
    process.off('SIGTERM', this.onTerm);
  }

  private signal(signal: NodeJS.Signals): void {
    const now = performance.now();
    if (this.requested === undefined) {
      this.requested = signal;
      this.firstAt = now;
      if (this.running.size > 0) {
        this.log(
          `${signal}: stopping once the running ${this.what} has finished; another Ctrl-C a second or more later aborts it (what it has not committed is rolled back)`,
        );
      } else {
        this.log(`${signal}: stopping`);
      }
      this.resolveStopped(signal);
      return;
    }
    if (now - this.firstAt < (this.opts.repeatMs ?? REPEAT_WINDOW_MS) || this.running.size === 0) return;
    this.log(`${signal}: ${this.what} aborted; the next start catches it up`);
    (this.opts.exit ?? ((code: number) => process.exit(code)))(signalExitCode(signal));
  }
}
