import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStorage } from '@custodian/core';
import { describe, expect, it } from 'vitest';
import { runIngest } from './run-ingest.js';
import { cleanRow, openTestContext, tempDir, writeCsv } from './testing/fixtures.js';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));

/**
 * A kill -9 in the middle of a file must leave the archive as it was before that file, never
 * half a file counted as done; the next run recovers and ingests the whole file. The child
 * process is the real command line (tsx, worker threads, embedded database on disk).
 */
describe('a crash in the middle of a file', () => {
  it('leaves the archive unchanged and the next run ingests the whole file', async () => {
    const dir = tempDir('custodian-crash-');
    const dataDir = join(dir, 'data');
    const rows = Array.from({ length: 25_000 }, (_, i) =>
      cleanRow(`K${i}`, { holder_phone: `1381${String(i).padStart(7, '0')}` }),
    );
    const file = writeCsv(dir, 'big.csv', rows);
    const masterKeys = `t1:${Buffer.alloc(32, 9).toString('base64')}`;

    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=custodian-source', CLI, 'run', file, '--date', '2026-11-20'],
      {
        env: {
          ...process.env,
          CUSTODIAN_DATA_DIR: dataDir,
          CUSTODIAN_MASTER_KEYS: masterKeys,
          DATABASE_URL: '',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    const killed = new Promise<string>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        // The first progress line: rows are being staged, the merge has not happened.
        if (/rows read/.test(stderr) && !child.killed) {
          child.kill('SIGKILL');
        }
      });
      child.on('exit', (_code, signal) => resolve(signal ?? 'exited'));
    });
    expect(await killed, stderr).toBe('SIGKILL');

    const storage = await openStorage({ dataDir });
    try {
      const ctx = await openTestContext(storage, dataDir, { masterKeys });
      expect(
        await storage.db
          .selectFrom('customers')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow(),
      ).toEqual({ n: 0 });
      const before = await storage.db.selectFrom('batches').select(['status']).execute();
      expect(before).toEqual([{ status: 'running' }]);

      const summary = (await runIngest(ctx, { files: [file], date: '2026-11-20', workers: 0 }))!;
      expect(summary.recoveredBatches).toBe(1);
      expect(summary.files[0]).toMatchObject({ status: 'done', rowsRead: 25_000, recordsInserted: 25_000 });
      const batches = await storage.db
        .selectFrom('batches')
        .select(['status', 'error'])
        .orderBy('batch_id')
        .execute();
      expect(batches.map((b) => b.status)).toEqual(['failed', 'done']);
      expect(batches[0]!.error).toMatch(/interrupted/);
      expect(
        await storage.db
          .selectFrom('staging_customers')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow(),
      ).toEqual({ n: 0 });
    } finally {
      await storage.close();
    }
  }, 180_000);
});
