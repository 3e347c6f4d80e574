import { EventEmitter } from 'node:events';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { type CustodianContext, openStorage, type Storage, withAdvisoryLock } from '@custodian/core';
import { testBackends, useTestStorage } from '@custodian/core/testing';
import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { runScheduleCommand } from './commands/schedule.js';
import { watchStopSignals } from './commands/stop-signals.js';
import { isRunMissing, nightlyIngestJob } from './jobs/nightly-ingest.js';
import { INGEST_LOCK } from './run-ingest.js';
import { backdate, captureOutput, cleanRow, openTestContext, tempDir, writeCsv } from './testing/fixtures.js';

/**
 * The nightly job's two waits: for inbox files still being written (ingest.inboxSettleSeconds), and,
 * in the scheduler, to retry a run that found another ingestion holding the lock or that broke
 * (ingest.nightlyRetrySeconds). Small settle times and real files, mtimes set with utimesSync.
 */

const since = (t0: number) => (performance.now() - t0) / 1000;

for (const backend of testBackends()) {
  describe(`the nightly job's waits on ${backend.name}`, () => {
    let storage: Storage;
    let dir: string;
    let inbox: string;
    useTestStorage(backend, (s) => {
      storage = s;
    });
    beforeEach(() => {
      dir = tempDir();
      inbox = join(dir, 'inbox');
      mkdirSync(inbox, { recursive: true });
    });
    const context = (ingest: Record<string, unknown>) =>
      openTestContext(storage, dir, { ingest: { inbox, workers: 1, ...ingest } });

    /** Holds the ingest lock as another ingestion would, on a connection of its own, until released. */
    async function holdIngestLock(ctx: CustodianContext) {
      let holder: Storage = ctx.storage;
      if (backend.name === 'postgres')
        holder = await openStorage({
          databaseUrl: process.env['TEST_DATABASE_URL'] || process.env['DATABASE_URL'],
          ...(ctx.storage.schema ? { schema: ctx.storage.schema } : {}),
        });
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let taken!: () => void;
      const isTaken = new Promise<void>((resolve) => {
        taken = resolve;
      });
      const held = withAdvisoryLock(holder, INGEST_LOCK, async () => {
        taken();
        await released;
      });
      await Promise.race([isTaken, held]);
      return {
        release,
        done: async () => {
          release();
          const r = await held;
          if (holder !== ctx.storage) await holder.close();
          return r;
        },
      };
    }

    it('waits for a file still being written and ingests it whole (the writer paused mid-row)', async () => {
      const ctx = await context({ inboxSettleSeconds: 1, inboxSettleMaxWaitSeconds: 20 });
      const rows = Array.from({ length: 12 }, (_, i) => cleanRow(`P${i + 1}`));
      const whole = readFileSync(writeCsv(dir, 'whole.csv', rows), 'utf8');
      // The header, 7 rows and the first cells of the 8th: where the writer paused.
      const cut = whole.split('\n').slice(0, 8).join('\n').length + 1 + 10;
      const file = join(inbox, 'customers.csv');
      writeFileSync(file, whole.slice(0, cut));
      const lines: string[] = [];
      const t0 = performance.now();
      const running = nightlyIngestJob.run(ctx, {
        runKey: '2026-11-21',
        workers: 0,
        log: (l) => lines.push(l),
      });
      await new Promise((r) => setTimeout(r, 300));
      appendFileSync(file, whole.slice(cut));
      const r = await running;
      expect(r.status).toBe('done');
      expect(r.summary!.files.map((f) => [f.status, f.rowsRead, f.rowsQuarantined])).toEqual([
        ['done', 12, 0],
      ]);
      expect(lines.join('\n')).toMatch(/waiting for customers\.csv \(modified \d+s ago\)/);
      // At least the settle time after the writer's last change.
      expect(since(t0)).toBeGreaterThanOrEqual(1.2);
      expect(readdirSync(inbox)).toEqual(['done']);
      const n = await storage.db
        .selectFrom('customers')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(n.n)).toBe(12);
    });

    it('takes at once files unchanged for the settle time, without waiting', async () => {
      const ctx = await context({ inboxSettleSeconds: 1 });
      backdate(writeCsv(inbox, 'customers.csv', [cleanRow('Q1')]));
      backdate(writeCsv(inbox, 'customers-2.csv', [cleanRow('Q2')]));
      const lines: string[] = [];
      const r = await nightlyIngestJob.run(ctx, {
        runKey: '2026-11-21',
        workers: 0,
        log: (l) => lines.push(l),
      });
      expect(r.summary!.files.map((f) => f.status)).toEqual(['done', 'done']);
      expect(lines.join('\n')).not.toMatch(/waiting/);
    });

    it('with inboxSettleSeconds 0, takes a file written just now without waiting', async () => {
      const ctx = await context({ inboxSettleSeconds: 0 });
      writeCsv(inbox, 'customers.csv', [cleanRow('Z1')]);
      const lines: string[] = [];
      const r = await nightlyIngestJob.run(ctx, {
        runKey: '2026-11-21',
        workers: 0,
        log: (l) => lines.push(l),
      });
      expect(r.summary!.files.map((f) => f.status)).toEqual(['done']);
      expect(lines.join('\n')).not.toMatch(/waiting/);
    });

    it('leaves a file still changing after the longest wait in the inbox, saying why, and takes the others', async () => {
      const ctx = await context({ inboxSettleSeconds: 1, inboxSettleMaxWaitSeconds: 1.5 });
      backdate(writeCsv(inbox, 'a-ready.csv', [cleanRow('R1')]));
      const growing = writeCsv(inbox, 'b-growing.csv', [cleanRow('G1')]);
      let i = 1;
      const writer = setInterval(() => {
        i++;
        appendFileSync(growing, `${Object.values(cleanRow(`G${i}`)).join(',')}\n`);
      }, 100);
      const lines: string[] = [];
      let r: Awaited<ReturnType<typeof nightlyIngestJob.run>>;
      try {
        r = await nightlyIngestJob.run(ctx, { runKey: '2026-11-21', workers: 0, log: (l) => lines.push(l) });
      } finally {
        clearInterval(writer);
      }
      expect(r.status).toBe('done');
      expect(r.summary!.files.map((f) => f.file)).toEqual([join(inbox, 'a-ready.csv')]);
      expect(r.left).toEqual([
        {
          file: 'b-growing.csv',
          reason: expect.stringMatching(/^still being written \(modified \d+s ago\): left for the next run$/),
        },
      ]);
      expect(lines.join('\n')).toMatch(
        /1 file\(s\) left in the inbox, not taken: b-growing\.csv \(still being written \(modified \d+s ago\): left for the next run\)/,
      );
      expect(readdirSync(inbox).sort()).toEqual(['b-growing.csv', 'done']);
      // Once the writer has finished, the next run takes the whole file.
      backdate(growing);
      const next = await nightlyIngestJob.run(ctx, { runKey: '2026-11-22', workers: 0 });
      expect(next.summary!.files.map((f) => [f.status, f.rowsRead, f.rowsQuarantined])).toEqual([
        ['done', i, 0],
      ]);
    });

    it('schedule --once: Ctrl-C while it waits for a file being written stops at once, taking nothing', async () => {
      const ctx = await context({ inboxSettleSeconds: 30 });
      writeCsv(inbox, 'customers.csv', [cleanRow('S1')]);
      const signals = new EventEmitter();
      let t0 = 0;
      const c = captureOutput((l) => {
        if (/waiting for customers\.csv/.test(l) && t0 === 0) {
          t0 = performance.now();
          signals.emit('SIGINT', 'SIGINT');
        }
      });
      const stop = watchStopSignals(c.out, [], signals);
      const code = await runScheduleCommand(ctx, ['--once', '--json'], c.out, stop);
      expect(code, c.notes.join('\n')).toBe(130);
      expect(since(t0)).toBeLessThan(2);
      expect(c.notes.join('\n')).toMatch(/SIGINT: .*nothing is taken/);
      expect(c.results.at(-1)).toMatchObject({
        ok: false,
        status: 'stopped',
        signal: 'SIGINT',
        exitCode: 130,
      });
      expect(readdirSync(inbox)).toEqual(['customers.csv']);
      // Nothing recorded: the run is still missing, and the next start catches it up.
      expect(await storage.db.selectFrom('job_runs').selectAll().execute()).toEqual([]);
    });

    it('schedule retries a run that found the lock held, logging each retry, until it runs', async () => {
      const ctx = await context({ nightlyRetrySeconds: 0.05 });
      backdate(writeCsv(inbox, 'customers.csv', [cleanRow('L1')]));
      const lock = await holdIngestLock(ctx);
      const signals = new EventEmitter();
      let retries = 0;
      const c = captureOutput((l) => {
        if (/retrying in 0\.05 s/.test(l) && ++retries === 2) lock.release();
        if (/: done, 1 file\(s\) moved/.test(l)) signals.emit('SIGINT', 'SIGINT');
      });
      const code = await runScheduleCommand(ctx, ['--json'], c.out, watchStopSignals(c.out, [], signals));
      await lock.done();
      const log = c.notes.join('\n');
      expect(code, log).toBe(0);
      expect(log).toMatch(/another ingestion holds the lock/);
      expect(retries).toBeGreaterThanOrEqual(2);
      expect(log).not.toMatch(/skipped/);
      expect(readdirSync(join(inbox, 'done')).map((n) => n.replace(/^\d+T\d+_/, ''))).toEqual([
        'customers.csv',
      ]);
      expect(
        (await storage.db.selectFrom('job_runs').select(['status', 'detail']).execute()).map((r) => r.status),
      ).toEqual(['done']);
    });

    it("a run locked out leaves another scheduler's record of the run as it was (running)", async () => {
      const ctx = await context({});
      backdate(writeCsv(inbox, 'customers.csv', [cleanRow('K1')]));
      const lock = await holdIngestLock(ctx);
      try {
        // The run the lock holder (another scheduler) is making, as it recorded it.
        await sql`insert into job_runs (job, run_key, status) values (${nightlyIngestJob.id}, '2026-11-20', 'running')`.execute(
          storage.db,
        );
        const r = await nightlyIngestJob.run(ctx, { runKey: '2026-11-20' });
        expect(r.status).toBe('locked');
        expect(
          (await storage.db.selectFrom('job_runs').select(['status', 'finished_at']).execute()).map(
            (row) => `${row.status} ${row.finished_at === null ? 'unfinished' : 'finished'}`,
          ),
        ).toEqual(['running unfinished']);
        expect(existsSync(join(inbox, 'customers.csv'))).toBe(true);
      } finally {
        await lock.done();
      }
    });

    it('schedule stops retrying a locked run once another scheduler made it, and keeps its record', async () => {
      const ctx = await context({ nightlyRetrySeconds: 0.05 });
      backdate(writeCsv(inbox, 'customers.csv', [cleanRow('M1')]));
      const due = nightlyIngestJob.dueRunKey(ctx, new Date());
      const lock = await holdIngestLock(ctx);
      const signals = new EventEmitter();
      let other: Promise<void> | undefined;
      const c = captureOutput((l) => {
        // The other scheduler makes the run while this one waits to retry: its file moved to
        // done/, its totals recorded, then the lock released.
        if (/retrying in 0\.05 s/.test(l) && !other)
          other = (async () => {
            mkdirSync(join(inbox, 'done'), { recursive: true });
            renameSync(join(inbox, 'customers.csv'), join(inbox, 'done', 'customers.csv'));
            await sql`update job_runs set status = 'done', finished_at = now(), detail = ${JSON.stringify({ by: 'other' })}::jsonb
              where run_key = ${due}`.execute(storage.db);
            lock.release();
          })();
        if (/^\[[^\]]+\] scheduled: /.test(l)) signals.emit('SIGINT', 'SIGINT');
      });
      const code = await runScheduleCommand(ctx, ['--json'], c.out, watchStopSignals(c.out, [], signals));
      await other;
      await lock.done();
      const log = c.notes.join('\n');
      expect(code, log).toBe(0);
      expect(log).toMatch(
        new RegExp(`nightly ingestion ${due}: made meanwhile by another ingestion; not retried`),
      );
      expect(log).not.toMatch(/is empty/);
      expect(
        (await storage.db.selectFrom('job_runs').select(['status', 'detail']).execute()).map(
          (r) => `${r.status} ${typeof r.detail === 'string' ? r.detail : JSON.stringify(r.detail)}`,
        ),
      ).toEqual(['done {"by":"other"}']);
    });

    it('a run whose files cannot be moved after ingesting them is recorded as failed, not left running', async () => {
      const ctx = await context({});
      backdate(writeCsv(inbox, 'customers.csv', [cleanRow('N1')]));
      // done/ turned into a file while the run read (the move cannot make the folder).
      const err = await nightlyIngestJob
        .run(ctx, { runKey: '2026-11-20', onFileDone: () => writeFileSync(join(inbox, 'done'), '') })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      const rows = await storage.db
        .selectFrom('job_runs')
        .select(['status', 'finished_at', 'detail'])
        .execute();
      expect(rows.map((r) => `${r.status} ${r.finished_at === null ? 'unfinished' : 'finished'}`)).toEqual([
        'failed finished',
      ]);
      expect(JSON.stringify(rows[0]!.detail)).toMatch(/EEXIST/);
      expect(await isRunMissing(ctx, '2026-11-20')).toBe(true);
    });

    it('schedule retries a run that the database failed, until it runs', async () => {
      const ctx = await context({ nightlyRetrySeconds: 0.05 });
      backdate(writeCsv(inbox, 'customers.csv', [cleanRow('E1')]));
      // Every run's first write fails, as with the database down, until the constraint is dropped.
      await sql`alter table job_runs add constraint test_down check (status <> 'running')`.execute(
        storage.db,
      );
      const signals = new EventEmitter();
      let dropped: Promise<unknown> | undefined;
      const c = captureOutput((l) => {
        if (/retrying in 0\.05 s/.test(l) && !dropped)
          dropped = sql`alter table job_runs drop constraint test_down`.execute(storage.db);
        if (/: done, 1 file\(s\) moved/.test(l)) signals.emit('SIGINT', 'SIGINT');
      });
      let code: number;
      try {
        code = await runScheduleCommand(ctx, ['--json'], c.out, watchStopSignals(c.out, [], signals));
      } finally {
        await dropped;
        await sql`alter table job_runs drop constraint if exists test_down`.execute(storage.db);
      }
      const log = c.notes.join('\n');
      expect(code, log).toBe(0);
      expect(log).toMatch(/failed: .*test_down.*; retrying in 0\.05 s/);
      expect(readdirSync(join(inbox, 'done')).map((n) => n.replace(/^\d+T\d+_/, ''))).toEqual([
        'customers.csv',
      ]);
      expect(
        (await storage.db.selectFrom('job_runs').select('status').execute()).map((r) => r.status),
      ).toEqual(['done']);
    });

    it('schedule: Ctrl-C while it waits to retry stops at once; --once does not retry (exit 3)', async () => {
      const ctx = await context({ nightlyRetrySeconds: 30 });
      backdate(writeCsv(inbox, 'customers.csv', [cleanRow('W1')]));
      const lock = await holdIngestLock(ctx);
      try {
        const signals = new EventEmitter();
        let t0 = 0;
        const c = captureOutput((l) => {
          if (/retrying in 30 s/.test(l) && t0 === 0) {
            t0 = performance.now();
            signals.emit('SIGINT', 'SIGINT');
          }
        });
        const code = await runScheduleCommand(ctx, ['--json'], c.out, watchStopSignals(c.out, [], signals));
        const log = c.notes.join('\n');
        expect(code, log).toBe(0);
        expect(t0).toBeGreaterThan(0);
        expect(since(t0)).toBeLessThan(2);
        expect(log).toMatch(/SIGINT: .*not retried/);
        expect(log).toMatch(/scheduler stopped/);
        expect(
          (await storage.db.selectFrom('job_runs').select(['status', 'detail']).execute()).map(
            (r) => `${r.status} ${typeof r.detail === 'string' ? r.detail : JSON.stringify(r.detail)}`,
          ),
        ).toEqual(['failed {"reason":"locked"}']);

        const once = captureOutput();
        const t1 = performance.now();
        expect(await runScheduleCommand(ctx, ['--once', '--json'], once.out)).toBe(3);
        expect(since(t1)).toBeLessThan(10);
        expect(once.notes.join('\n')).not.toMatch(/retrying/);
        expect(once.results.at(-1)).toMatchObject({ ok: false, status: 'locked' });
        expect(existsSync(join(inbox, 'customers.csv'))).toBe(true);
      } finally {
        await lock.done();
      }
    });
  });
}
