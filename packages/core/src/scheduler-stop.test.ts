import { afterEach, describe, expect, it } from 'vitest';
import { SchedulerStop } from './scheduler-stop.js';

/** A run that ends when the test says so. */
function pendingRun(): { run: Promise<string>; finish: () => void } {
  let finish!: () => void;
  const run = new Promise<string>((resolve) => {
    finish = () => resolve('done');
  });
  return { run, finish };
}

describe('a scheduler stopped by a signal', () => {
  let stop: SchedulerStop | undefined;
  afterEach(() => stop?.dispose());

  it('waits for the running run before it lets the command close the database', async () => {
    const lines: string[] = [];
    const exits: number[] = [];
    stop = new SchedulerStop((l) => lines.push(l), 'nightly audit', { exit: (c) => exits.push(c) });
    const { run, finish } = pendingRun();
    void stop.track(run);
    process.emit('SIGINT');
    expect(await stop.stopped).toBe('SIGINT');
    expect(lines[0]).toContain('stopping once the running nightly audit has finished');
    let idle = false;
    const waiting = stop.idle().then(() => {
      idle = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(idle).toBe(false);
    // The same Ctrl-C passed on twice (within the second) does not abort the run.
    process.emit('SIGINT');
    expect(exits).toEqual([]);
    finish();
    await waiting;
    expect(idle).toBe(true);
  });

  it('exits at once on a second signal while the run is still going', async () => {
    const exits: number[] = [];
    const lines: string[] = [];
    stop = new SchedulerStop((l) => lines.push(l), 'report run', { repeatMs: 0, exit: (c) => exits.push(c) });
    const { run, finish } = pendingRun();
    void stop.track(run);
    process.emit('SIGTERM');
    process.emit('SIGTERM');
    expect(exits).toEqual([143]);
    expect(lines.at(-1)).toContain('report run aborted');
    finish();
    await stop.idle();
  });

  it('stops at once when nothing runs, and forgets runs that ended, failed or not', async () => {
    const exits: number[] = [];
    const lines: string[] = [];
    stop = new SchedulerStop((l) => lines.push(l), 'report run', { repeatMs: 0, exit: (c) => exits.push(c) });
    await stop.track(Promise.resolve(1));
    await stop.track(Promise.reject(new Error('x'))).catch(() => undefined);
    process.emit('SIGINT');
    expect(await stop.stopped).toBe('SIGINT');
    expect(lines).toEqual(['SIGINT: stopping']);
    await stop.idle();
    // A later signal with nothing running does not exit either: the command is already stopping.
    process.emit('SIGINT');
    expect(exits).toEqual([]);
  });

  it('runs the ticks of a schedule, reports a failed one, and returns after the running tick once stopped', async () => {
    stop = new SchedulerStop(() => undefined, 'report run', { exit: () => undefined });
    let fire!: () => Promise<void>;
    let taskStopped = false;
    const failures: string[] = [];
    const runs: { finish: () => void }[] = [];
    let ticks = 0;
    const tick = () => {
      ticks++;
      if (ticks === 1) return Promise.reject(new Error('disk full'));
      const r = pendingRun();
      runs.push(r);
      return r.run;
    };
    let returned = false;
    const running = stop
      .runUntilStopped(
        (onTick) => {
          fire = onTick;
          return {
            stop: () => {
              taskStopped = true;
            },
          };
        },
        tick,
        (err) => failures.push(err.message),
      )
      .then(() => {
        returned = true;
      });
    await fire();
    expect(failures).toEqual(['disk full']);
    const second = fire();
    process.emit('SIGINT');
    await new Promise((r) => setTimeout(r, 20));
    expect(taskStopped).toBe(true);
    expect(returned).toBe(false);
    // A firing after the signal starts nothing.
    await fire();
    expect(ticks).toBe(2);
    runs[0]!.finish();
    await second;
    await running;
    expect(returned).toBe(true);
  });
});
