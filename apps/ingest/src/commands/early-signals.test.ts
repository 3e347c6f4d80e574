import type { CliOutput } from '@custodian/core';
import { afterEach, describe, expect, it } from 'vitest';
import { holdEarlySignals, releaseEarlySignals } from './early-signals.js';
import { REPEAT_WINDOW_MS, type StopWatch, watchStopSignals } from './stop-signals.js';

function capture() {
  const notes: string[] = [];
  const results: unknown[] = [];
  const out: CliOutput = {
    json: true,
    say: (l) => notes.push(l),
    note: (l) => notes.push(l),
    progress() {},
    result: (o) => results.push(o),
  };
  return { out, notes, results };
}

/** A signal as Node delivers it to the listeners: (name, number). */
function deliver(signal: 'SIGINT' | 'SIGTERM'): void {
  process.emit(signal as 'SIGINT', signal as 'SIGINT');
}

let watch: StopWatch | undefined;
afterEach(() => {
  watch?.dispose();
  watch = undefined;
  releaseEarlySignals();
});

describe('signals held while the command line loads', () => {
  it('are kept, handed over once, and answered by the stop watch as a stop before anything starts', async () => {
    const before = process.listenerCount('SIGTERM');
    holdEarlySignals();
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    deliver('SIGTERM');
    const early = releaseEarlySignals();
    expect(early.map((e) => e.signal)).toEqual(['SIGTERM']);
    // Released: the hold's listeners are gone, and nothing is handed over twice.
    expect(process.listenerCount('SIGTERM')).toBe(before);
    expect(releaseEarlySignals()).toEqual([]);

    const { out, notes, results } = capture();
    watch = watchStopSignals(out, early);
    expect(watch.requested).toBe('SIGTERM');
    await watch.stopped;
    expect(notes).toEqual(['SIGTERM: stopping, nothing is started']);
    expect(results).toEqual([]);
  });

  it('a signal repeated within the repeat window (one Ctrl-C relayed by pnpm) is one stop, by the times they came', () => {
    holdEarlySignals();
    deliver('SIGINT');
    deliver('SIGINT');
    const early = releaseEarlySignals();
    expect(early).toHaveLength(2);
    expect(early[1]!.at - early[0]!.at).toBeLessThan(REPEAT_WINDOW_MS);
    const { out, notes } = capture();
    // Handed over later than the window: the repeat still counts by when it came, not by now.
    watch = watchStopSignals(
      out,
      early.map((e) => ({ ...e, at: e.at - 10 * REPEAT_WINDOW_MS })),
    );
    expect(watch.requested).toBe('SIGINT');
    expect(notes).toEqual(['SIGINT: stopping, nothing is started']);
  });

  it('without a hold there is nothing to hand over, and the watch waits for a real signal', () => {
    expect(releaseEarlySignals()).toEqual([]);
    const { out, notes } = capture();
    watch = watchStopSignals(out, releaseEarlySignals());
    expect(watch.requested).toBeUndefined();
    deliver('SIGINT');
    expect(watch.requested).toBe('SIGINT');
    expect(notes).toEqual(['SIGINT: stopping, nothing is started']);
  });
});
