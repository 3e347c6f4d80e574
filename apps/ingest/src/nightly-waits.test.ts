import { EventEmitter } from 'node:events';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliOutput, Storage } from '@custodian/core';
import { testBackends, useTestStorage } from '@custodian/core/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { runScheduleCommand } from './commands/schedule.js';
import { watchStopSignals } from './commands/stop-signals.js';
import { nightlyIngestJob } from './jobs/nightly-ingest.js';
import { backdate, cleanRow, openTestContext, tempDir, writeCsv } from './testing/fixtures.js';

/**
 * The nightly job's wait for inbox files still being written (ingest.inboxSettleSeconds). Small
 * settle times and real files, mtimes set with utimesSync.
 */

/** A CliOutput that keeps the notes (the scheduler's log) and the `--json` results; `onNote` sees each note. */
function captureOutput(onNote: (line: string) => void = () => {}) {
  const notes: string[] = [];
  const results: Record<string, unknown>[] = [];
  const out: CliOutput = {
    json: true,
    say() {},
    note: (l) => {
      notes.push(l);
      onNote(l);
    },
    progress() {},
    result: (o) => results.push(o as Record<string, unknown>),
  };
  return { out, notes, results };
}

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
  });
}
