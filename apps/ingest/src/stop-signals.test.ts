import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { agentRow, cleanRow, tempDir, writeCsv } from './testing/fixtures.js';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const masterKeys = `t1:${Buffer.alloc(32, 9).toString('base64')}`;

/**
 * Ctrl-C with `--json`, with the real command line (tsx, worker threads, embedded database on
 * disk): whatever the signals do, the last line of stdout is one JSON object (formats.md), and an
 * abort says which files were finished and which one it interrupted.
 */
function cli(args: string[], dataDir: string, env: Record<string, string>, signals: number) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; last: Record<string, unknown> }>(
    (resolve) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', '--conditions=custodian-source', CLI, ...args],
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
      let sent = 0;
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        // The first signal once the big file is being read (run: its progress; schedule: the agents
        // loaded before it), the second once the first is acknowledged.
        if (sent === 0 && /c10\.csv: [\d,]+ rows read|agents\.csv: 1 agents loaded/.test(stderr)) {
          sent++;
          child.kill('SIGINT');
        } else if (sent === 1 && signals > 1 && /SIGINT: .*\(SIGINT again aborts it/.test(stderr)) {
          sent++;
          child.kill('SIGINT');
        }
      });
      child.on('exit', (code) => {
        const lines = stdout.trim().split('\n');
        let last: Record<string, unknown> = {};
        try {
          last = JSON.parse(lines.at(-1) ?? '');
        } catch {
          // Left empty: the assertions below say what was printed.
        }
        resolve({ code, stdout, stderr, last });
      });
    },
  );
}

function bigFile(dir: string): string {
  const rows = Array.from({ length: 20_000 }, (_, i) =>
    cleanRow(`G${i}`, { holder_phone: `1381${String(i).padStart(7, '0')}` }),
  );
  return writeCsv(dir, 'c10.csv', rows);
}

describe('a stop signal with --json', () => {
  it('run: a second signal aborts with exit 130 and a last JSON line saying what was finished and interrupted', async () => {
    const dir = tempDir('custodian-abort-json-');
    const agents = writeCsv(dir, 'agents.csv', [agentRow('A001')]);
    const big = bigFile(dir);
    const small = writeCsv(dir, 'c20.csv', [cleanRow('S1')]);
    const r = await cli(
      ['run', big, small, '--agents', agents, '--date', '2026-11-20', '--json'],
      join(dir, 'data'),
      {},
      2,
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

  it('run: a first signal finishes the file being read, starts no other, and exits 130 with the summary', async () => {
    const dir = tempDir('custodian-stop-json-');
    const big = bigFile(dir);
    const small = writeCsv(dir, 'c20.csv', [cleanRow('S1')]);
    const r = await cli(['run', big, small, '--date', '2026-11-20', '--json'], join(dir, 'data'), {}, 1);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/SIGINT: the file being ingested finishes, the files after it are not started/);
    expect(r.last, r.stdout).toMatchObject({
      ok: false,
      status: 'stopped',
      files: [{ file: big, status: 'done', rowsRead: 20_000 }],
      notStarted: [small],
    });
  }, 180_000);

  it('schedule --once: a second signal aborts with exit 130 and a last JSON line naming the run and the file', async () => {
    const dir = tempDir('custodian-abort-sched-');
    const inbox = join(dir, 'inbox');
    mkdirSync(inbox, { recursive: true });
    const agents = writeCsv(inbox, 'agents.csv', [agentRow('A001')]);
    const big = bigFile(inbox);
    const r = await cli(['schedule', '--once', '--json'], join(dir, 'data'), { CUSTODIAN_INBOX: inbox }, 2);
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
