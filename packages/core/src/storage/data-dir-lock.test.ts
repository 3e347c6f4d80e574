import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isCustodianError } from '../errors.js';
import { custodianErrorMessage } from '../testing/custodian-error.js';
import { openStorage } from './connect.js';
import { lockDataDir } from './data-dir-lock.js';

const dir = mkdtempSync(join(tmpdir(), 'custodian-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const busy = (fn: () => unknown) => custodianErrorMessage('DB_BUSY', fn);

describe('one process at a time in an embedded database folder', () => {
  it('refuses a second claim while the first holds the folder, and lets go on release', () => {
    const dataDir = join(dir, 'a');
    const first = lockDataDir(dataDir);
    expect(JSON.parse(readFileSync(`${dataDir}.lock`, 'utf8'))).toMatchObject({ pid: process.pid });
    expect(busy(() => lockDataDir(dataDir))).toContain('in use by this process already');
    first.release();
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
    lockDataDir(dataDir).release();
  });

  it('refuses while another live process holds it, and takes over the lock of a dead one', async () => {
    const dataDir = join(dir, 'b');
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)'], { stdio: 'ignore' });
    try {
      writeFileSync(
        `${dataDir}.lock`,
        JSON.stringify({ pid: sleeper.pid, host: hostname(), since: 'earlier' }),
      );
      expect(busy(() => lockDataDir(dataDir))).toContain(`process ${sleeper.pid}`);
    } finally {
      sleeper.kill();
    }
    // A process that has ended (killed with its lock left behind).
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    writeFileSync(
      `${dataDir}.lock`,
      JSON.stringify({ pid: Number(gone.stdout), host: hostname(), since: 'earlier' }),
    );
    const lock = lockDataDir(dataDir);
    expect(JSON.parse(readFileSync(lock.path, 'utf8')).pid).toBe(process.pid);
    lock.release();
    // A damaged lock file (empty) is looked at again, then taken over.
    writeFileSync(`${dataDir}.lock`, '');
    lockDataDir(dataDir).release();
  });

  it('makes openStorage refuse a second opener of the same folder until the first closes', async () => {
    const dataDir = join(dir, 'c');
    const storage = await openStorage({ dataDir });
    try {
      const second = await openStorage({ dataDir }).then(
        () => 'opened',
        (err: unknown) => (isCustodianError(err) ? err.code : String(err)),
      );
      expect(second).toBe('DB_BUSY');
    } finally {
      await storage.close();
    }
    const again = await openStorage({ dataDir });
    await again.close();
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  }, 60_000);
});

describe('closing the embedded database', () => {
  it('waits for a query still running when a Promise.all failed on another', () => {
    // In a child process with a time limit: the failure this guards against spun the event loop
    // forever, which no timer inside this process could interrupt.
    const script = `
      import { sql } from 'kysely';
      import { openStorage } from './src/storage/connect.ts';
      const s = await openStorage({ dataDir: 'memory://' });
      await sql\`create table t (d date)\`.execute(s.db);
      const failed = await Promise.all([
        sql\`select * from t where d <= \${'notadate'}\`.execute(s.db),
        sql\`select count(*) from t, generate_series(1, 20000)\`.execute(s.db),
      ]).then(() => 'no', () => 'yes');
      await s.close();
      process.stdout.write('closed, failed: ' + failed);
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: join(import.meta.dirname, '..', '..'),
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.stdout).toBe('closed, failed: yes');
  }, 40_000);
});
