/**
 * SIGINT / SIGTERM held from the first moment of the command line (start.ts) until cli.ts has
 * loaded and set up its own answer. Loading the command line and its packages takes a second or
 * two (more through tsx); a signal meanwhile used to end the process at once, silently, without the
 * `--json` line. Held, it is answered once the command line has loaded: `run` and `schedule` stop
 * before starting anything (as for a signal while the database opens), other commands die of it.
 */
export interface EarlySignal {
  signal: NodeJS.Signals;
  /** When it came (`performance.now()`), for telling a repeated Ctrl-C from a second one. */
  at: number;
}

let held: { signals: EarlySignal[]; onSignal: (signal: NodeJS.Signals) => void } | undefined;

/** Catches SIGINT and SIGTERM and keeps them, until `releaseEarlySignals`. */
export function holdEarlySignals(): void {
  if (held) return;
  const signals: EarlySignal[] = [];
  const onSignal = (signal: NodeJS.Signals) => {
    signals.push({ signal, at: performance.now() });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  held = { signals, onSignal };
}

/**
 * Stops holding (the signals' default action is back unless another handler is installed: install
 * it first) and returns the signals that came meanwhile, oldest first. Nothing when none was held.
 */
export function releaseEarlySignals(): EarlySignal[] {
  if (!held) return [];
  const { signals, onSignal } = held;
  held = undefined;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return signals;
}
