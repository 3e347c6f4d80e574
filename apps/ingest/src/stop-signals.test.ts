import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPEAT_WINDOW_MS } from './commands/stop-signals.js';
import { agentRow, backdate, cleanRow, tempDir, writeCsv } from './testing/fixtures.js';

/** The entry `pnpm ingest` and the installed command run: it holds signals while cli.ts loads. */
const CLI = fileURLToPath(new URL('./start.ts', import.meta.url));
const masterKeys = `t1:${Buffer.alloc(32, 9).toString('base64')}`;

/** When the test sends its signals to the child. */
interface SignalPlan {
  /** Once the child is spawned. */
  onSpawn?: (child: ChildProcess) => void;
  /** On every piece of stderr, with the whole of it so far. */
  onStderr?: (child: ChildProcess, stderr: string) => void;
  /** When the child has exited (timers to clear). */
  onExit?: () => void;
}

/** The big file is being read (run: its progress; schedule: the agents loaded before it). */
const READING = /c10\.csv: [\d,]+ rows read|agents\.csv: 1 agents loaded/;

/**
 * A first SIGINT once the big file is being read; with `repeatAfterMs`, the same signal again that
 * long after the first was acknowledged (a few ms: the copies a Ctrl-C through pnpm delivers; more
 * than REPEAT_WINDOW_MS: a second Ctrl-C).
 */
function sigintWhileReading(repeatAfterMs?: number): SignalPlan {
  let sent = 0;
  let timer: NodeJS.Timeout | undefined;
  return {
    onStderr(child, stderr) {
      if (sent === 0 && READING.test(stderr)) {
        sent++;
        child.kill('SIGINT');
      } else if (sent === 1 && repeatAfterMs !== undefined && /SIGINT: .*\(SIGINT again/.test(stderr)) {
        sent++;
        timer = setTimeout(() => child.kill('SIGINT'), repeatAfterMs);
      }
    },
    onExit: () => clearTimeout(timer),
  };
}

/** One SIGINT as soon as `file` exists; `onSend` runs just before it is sent. */
function sigintOnceExists(file: string, onSend?: () => void): SignalPlan {
  let poll: NodeJS.Timeout | undefined;
  return {
    onSpawn(child) {
      poll = setInterval(() => {
        if (!existsSync(file)) return;
        clearInterval(poll);
        onSend?.();
        child.kill('SIGINT');
      }, 5);
    },
    onExit: () => clearInterval(poll),
  };
}

/**
 * One SIGINT while the embedded database opens: as soon as its lock file appears (it is taken
 * before PGlite opens the folder and migrates it, which takes seconds).
 */
function sigintWhileOpening(dataDir: string): SignalPlan {
  return sigintOnceExists(`${dataDir}.lock`);
}

/** Holds the loading of cli.ts open (testing/hold-cli-load.mjs) until the test lets it go. */
const HOLD_CLI_LOAD = fileURLToPath(new URL('./testing/hold-cli-load.mjs', import.meta.url));

/**
 * One SIGINT while the command line loads: the child runs with HOLD_CLI_LOAD, whose hook stops the
 * loading of cli.ts (after start.ts has run) until `hold` is deleted. The signal is sent once the
 * hook has reached cli.ts, and the loading goes on 200 ms later, when the signal has surely
 * arrived. Notes whether the data folder existed then (it must not: nothing is opened before
 * cli.ts runs).
 */
function sigintWhileLoading(hold: string, dataDir: string, seen: { dataDirExisted?: boolean }): SignalPlan {
  writeFileSync(hold, '');
  const plan = sigintOnceExists(`${hold}.reached`, () => {
    seen.dataDirExisted = existsSync(dataDir);
    setTimeout(() => rmSync(hold, { force: true }), 200);
  });
  return {
    ...plan,
    onExit: () => {
      plan.onExit?.();
      rmSync(hold, { force: true });
    },
  };
}

/**
 * Ctrl-C with `--json`, with the real command line (tsx, worker threads, embedded database on
 * disk): whatever the signals do, the last line of stdout is one JSON object (formats.md), and an
 * abort says which files were finished and which one it interrupted.
 */
function cli(
  args: string[],
  dataDir: string,
  env: Record<string, string>,
  plan: SignalPlan,
  nodeArgs: string[] = [],
) {
  return new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
    last: Record<string, unknown>;
  }>((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', ...nodeArgs, '--conditions=custodian-source', CLI, ...args],
      {
        env: {
          ...process.env,
          CUSTODIAN_DATA_DIR: dataDir,
          CUSTODIAN_MASTER_KEYS: masterKeys,
          DATABASE_URL: '',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    plan.onSpawn?.(child);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      plan.onStderr?.(child, stderr);
    });
    child.on('exit', (code, signal) => {
      plan.onExit?.();
      const lines = stdout.trim().split('\n');
      let last: Record<string, unknown> = {};
      try {
        last = JSON.parse(lines.at(-1) ?? '');
      } catch {
        // Left empty: the assertions below say what was printed.
      }
      resolve({ code, signal, stdout, stderr, last });
    });
  });
}

/**
 * A customer file that takes seconds to read (20,000 rows: 3-6 s here, the first progress line
 * after 10,000). An abort test reads ABORT_ROWS.
 */
function bigFile(dir: string, length = 20_000): string {
  const rows = Array.from({ length }, (_, i) =>
    cleanRow(`G${i}`, { holder_phone: `1381${String(i).padStart(7, '0')}` }),
  );
  return writeCsv(dir, 'c10.csv', rows);
}

/**
 * The file an abort test interrupts: still being read well after the second signal, sent
 * REPEAT_WINDOW_MS after the first (40,000 rows were read and merged within that on a fast machine).
 * The abort comes a few seconds in, whatever the size.
 */
const ABORT_ROWS = 150_000;

/** The `--json` line of `run` stopped by SIGINT before it started any file. */
function runStoppedBeforeStart(notStarted: string[]) {
  return { ok: false, status: 'stopped', signal: 'SIGINT', exitCode: 130, files: [], notStarted };
}

/** A second Ctrl-C: REPEAT_WINDOW_MS after the first, with room for a loaded machine. */
const SECOND_CTRL_C_MS = REPEAT_WINDOW_MS + 300;

describe('a stop signal with --json', () => {
  it('run: a second signal aborts with exit 130 and a last JSON line saying what was finished and interrupted', async () => {
    const dir = tempDir('custodian-abort-json-');
    const agents = writeCsv(dir, 'agents.csv', [agentRow('A001')]);
    const big = bigFile(dir, ABORT_ROWS);
    const small = writeCsv(dir, 'c20.csv', [cleanRow('S1')]);
    const r = await cli(
      ['run', big, small, '--agents', agents, '--date', '2026-11-20', '--json'],
      join(dir, 'data'),
      {},
      sigintWhileReading(SECOND_CTRL_C_MS),
    );
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/SIGINT again: ingestion aborted/);
    expect(r.last, r.stdout).toEqual({
      ok: false,
      status: 'aborted',
      signal: 'SIGINT',
      exitCode: 130,
      finished: [{ file: agents, status: 'done', rowsRead: 1 }],
      interrupted: big,
      notStarted: [small],
    });
  }, 180_000);

  it('run: a first signal, repeated within milliseconds (a Ctrl-C through pnpm and tsx), finishes the file being read, starts no other, and exits 130 with the summary', async () => {
    const dir = tempDir('custodian-stop-json-');
    const big = bigFile(dir);
    const small = writeCsv(dir, 'c20.csv', [cleanRow('S1')]);
    const r = await cli(
      ['run', big, small, '--date', '2026-11-20', '--json'],
      join(dir, 'data'),
      {},
      sigintWhileReading(10),
    );
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(
      /SIGINT: the file being ingested finishes, the files after it are not started \(SIGINT again, a second or more later, aborts it/,
    );
    expect(r.stderr).not.toMatch(/SIGINT again:/);
    expect(r.last, r.stdout).toMatchObject({
      ok: false,
      status: 'stopped',
      files: [{ file: big, status: 'done', rowsRead: 20_000 }],
      notStarted: [small],
    });
  }, 180_000);

  it('run: a signal while the database opens starts nothing, says so, ends with a JSON line and closes the database', async () => {
    const dir = tempDir('custodian-stop-start-');
    const dataDir = join(dir, 'data');
    const big = bigFile(dir);
    const small = writeCsv(dir, 'c20.csv', [cleanRow('S1')]);
    const r = await cli(
      ['run', big, small, '--date', '2026-11-20', '--json'],
      dataDir,
      {},
      sigintWhileOpening(dataDir),
    );
    expect(r.code, `${r.signal} ${r.stderr}`).toBe(130);
    expect(r.stderr).toMatch(/SIGINT: stopping, (nothing|no file) is started/);
    expect(r.stderr).toMatch(
      /stopped by SIGINT before any file was started: 2 file\(s\) not started: c10\.csv, c20\.csv/,
    );
    expect(r.last, r.stdout).toEqual(runStoppedBeforeStart([big, small]));
    // Closed: the lock on the folder is released (a process that only died leaves it behind).
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  }, 180_000);

  it('run: a signal while the command line is still loading is answered once it has loaded: nothing started, a JSON line', async () => {
    const dir = tempDir('custodian-stop-load-');
    const dataDir = join(dir, 'data');
    const small = writeCsv(dir, 'c20.csv', [cleanRow('S1')]);
    const hold = join(dir, 'hold');
    const seen: { dataDirExisted?: boolean } = {};
    const r = await cli(
      ['run', small, '--date', '2026-11-20', '--json'],
      dataDir,
      { CUSTODIAN_TEST_HOLD: hold },
      sigintWhileLoading(hold, dataDir, seen),
      ['--import', HOLD_CLI_LOAD],
    );
    expect(seen.dataDirExisted).toBe(false);
    expect(r.code, `${r.signal} ${r.stderr}`).toBe(130);
    expect(r.stderr).toMatch(/SIGINT: stopping, nothing is started/);
    expect(r.last, r.stdout).toEqual(runStoppedBeforeStart([small]));
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  }, 180_000);

  it('another command (flags list) dies of a signal that came while the command line loaded, as without the hold', async () => {
    const dir = tempDir('custodian-stop-load-flags-');
    const dataDir = join(dir, 'data');
    const hold = join(dir, 'hold');
    const r = await cli(
      ['flags', 'list', '--json'],
      dataDir,
      { CUSTODIAN_TEST_HOLD: hold },
      sigintWhileLoading(hold, dataDir, {}),
      ['--import', HOLD_CLI_LOAD],
    );
    expect(r.signal, r.stderr).toBe('SIGINT');
    expect(r.stdout).toBe('');
    expect(existsSync(dataDir)).toBe(false);
  }, 180_000);

  it('schedule --once: a signal while the database opens starts no run, ends with a JSON line and closes the database', async () => {
    const dir = tempDir('custodian-stop-start-sched-');
    const dataDir = join(dir, 'data');
    const inbox = join(dir, 'inbox');
    mkdirSync(inbox, { recursive: true });
    writeCsv(inbox, 'c20.csv', [cleanRow('S1')]);
    const r = await cli(
      ['schedule', '--once', '--json'],
      dataDir,
      { CUSTODIAN_INBOX: inbox },
      sigintWhileOpening(dataDir),
    );
    expect(r.code, `${r.signal} ${r.stderr}`).toBe(130);
    expect(r.stderr).toMatch(/SIGINT: stopping, (nothing is started|no new runs)/);
    expect(r.stderr).toMatch(/stopped by SIGINT before run \d{4}-\d{2}-\d{2} was started/);
    expect(r.last, r.stdout).toEqual({
      ok: false,
      status: 'stopped',
      signal: 'SIGINT',
      exitCode: 130,
      runKey: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
    });
    expect(readdirSync(inbox)).toEqual(['c20.csv']);
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  }, 180_000);

  it('schedule --once: a second signal aborts with exit 130 and a last JSON line naming the run and the file', async () => {
    const dir = tempDir('custodian-abort-sched-');
    const inbox = join(dir, 'inbox');
    mkdirSync(inbox, { recursive: true });
    // Delivered in the evening: the job takes them at once (not waiting for them to settle).
    const agents = backdate(writeCsv(inbox, 'agents.csv', [agentRow('A001')]));
    const big = backdate(bigFile(inbox, ABORT_ROWS));
    const r = await cli(
      ['schedule', '--once', '--json'],
      join(dir, 'data'),
      { CUSTODIAN_INBOX: inbox },
      sigintWhileReading(SECOND_CTRL_C_MS),
    );
    expect(r.code, r.stderr).toBe(130);
    expect(r.last, r.stdout).toMatchObject({
      ok: false,
      status: 'aborted',
      runKey: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      finished: [{ file: agents, status: 'done' }],
      interrupted: big,
    });
  }, 180_000);
});
