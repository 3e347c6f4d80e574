import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type CustodianContext, openStorage, type Storage, withAdvisoryLock } from '@custodian/core';
import { clearTables } from '@custodian/core/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { runScheduleCommand } from '../commands/schedule.js';
import { auditorLockName } from '../run-audit.js';
import {
  anomalyKeys,
  ev,
  logLines,
  runCli,
  type SuiteEnv,
  withAuditorConfig,
  writeLines,
  writeMasterData,
} from '../testing/fixtures.js';
import { catchUpNightlyAudits, type NightlyAuditResult, nightlyAuditJob } from './nightly-audit.js';

/**
 * The nightly job (`auditor schedule`) driven with an injected clock: which day is due, the
 * previous day's logs only, catching up missed nights, and the advisory lock held by another
 * connection making it refuse rather than run twice at once. Run from commands.test.ts.
 */

/** A logs folder as the archive system fills it: one file per day, named with the date in either form, plus today's. */
function writeLogsDir(logsDir: string): void {
  writeMasterData(logsDir);
  writeLines(
    join(logsDir, 'access-2026-11-16.jsonl'),
    logLines('jsonl', [ev('10:00:00', 'A001', 'export', { archive_no: 'KH000000010' }, '2026-11-16')]),
  );
  writeLines(
    join(logsDir, 'access-2026-11-17.csv'),
    logLines('csv', [ev('10:00:00', 'B001', 'delete', { archive_no: 'KH000000032' }, '2026-11-17')]),
  );
  writeLines(
    join(logsDir, 'access-20261118.jsonl.gz'),
    logLines(
      'jsonl',
      [0, 1, 2, 3, 4].map((k) =>
        ev(`10:0${k}:00`, 'A001', 'login_failed', { result: 'denied' }, '2026-11-18'),
      ),
    ),
  );
  writeLines(
    join(logsDir, 'access-2026-11-19.jsonl'),
    logLines('jsonl', [ev('10:00:00', 'A002', 'view', { archive_no: 'KH000000011' }, '2026-11-19')]),
  );
  // Being written today (the 21st): never audited before it is due. No file at all for the 20th.
  writeLines(
    join(logsDir, 'access-2026-11-21.jsonl'),
    logLines('jsonl', [ev('10:00:00', 'A001', 'delete', { archive_no: 'KH000000099' }, '2026-11-21')]),
  );
  // Not a log: ignored although it names a day.
  writeFileSync(join(logsDir, 'notes-2026-11-18.txt'), 'rotation ok\n');
}

const at = (shanghai: string) => new Date(`${shanghai}+08:00`);
const runs = (rs: NightlyAuditResult[]) =>
  rs.map((r) => `${r.day} ${r.status} ${r.files.map((f) => basename(f)).join(',')}`);

async function jobRuns(ctx: CustodianContext): Promise<string[]> {
  const rows = await ctx.storage.db
    .selectFrom('job_runs')
    .select(['run_key', 'status', 'detail'])
    .where('job', '=', nightlyAuditJob.id)
    .orderBy('run_key')
    .execute();
  return rows.map(
    (r) => `${r.run_key} ${r.status}${r.status === 'failed' ? ` ${JSON.stringify(r.detail)}` : ''}`,
  );
}

export function describeDueDay(): void {
  describe('nightly audit: which day is due', () => {
    const ctx = { config: { auditor: { nightlyAt: '02:00' } } } as unknown as CustodianContext;

    it('is yesterday (Asia/Shanghai) once the nightly time has passed, the day before until then', () => {
      expect(nightlyAuditJob.dueDay(ctx, at('2026-11-19T01:59:00'))).toBe('2026-11-17');
      expect(nightlyAuditJob.dueDay(ctx, at('2026-11-19T02:00:00'))).toBe('2026-11-18');
      expect(nightlyAuditJob.dueDay(ctx, at('2026-11-19T23:59:00'))).toBe('2026-11-18');
      // The machine's clock in UTC: 18:30Z on the 18th is 02:30 on the 19th in Shanghai.
      expect(nightlyAuditJob.dueDay(ctx, new Date('2026-11-18T18:30:00Z'))).toBe('2026-11-18');
      const late = { config: { auditor: { nightlyAt: '23:30' } } } as unknown as CustodianContext;
      expect(nightlyAuditJob.cron(late)).toBe('30 23 * * *');
      expect(nightlyAuditJob.dueDay(late, at('2026-11-19T23:00:00'))).toBe('2026-11-17');
    });
  });
}

export function describeNightlyAudit(env: SuiteEnv): void {
  const backend = env.backend;
  const logsDir = join(env.dir, 'nightly-logs');
  writeLogsDir(logsDir);

  describe('nightly audit (auditor schedule)', () => {
    let ctx: CustodianContext;
    beforeEach(() => {
      ctx = withAuditorConfig(env.ctx(), { logsDir });
    });

    it("audits the previous day's logs only, once", async () => {
      await clearTables(ctx.storage);
      const log: string[] = [];
      const first = await catchUpNightlyAudits(ctx, at('2026-11-19T03:00:00'), (l) => log.push(l));
      // A fresh installation starts with yesterday: nothing older, nothing of today.
      expect(runs(first)).toEqual(['2026-11-18 done access-20261118.jsonl.gz']);
      expect(first[0]!.summary).toMatchObject({ events: 5, staff: { loaded: 4 }, approvals: { loaded: 2 } });
      expect(await anomalyKeys(ctx)).toEqual(['A001|LOGIN_BRUTE_FORCE|2026-11-18']);
      expect(await jobRuns(ctx)).toEqual(['2026-11-18 done']);
      expect(log.join('\n')).toContain('2026-11-18: done, 1 file(s), 5 events, 1 new anomalies');
      // Later the same night, or the scheduler started again: nothing left to do.
      expect(await catchUpNightlyAudits(ctx, at('2026-11-19T09:00:00'))).toEqual([]);
      expect(await anomalyKeys(ctx)).toEqual(['A001|LOGIN_BRUTE_FORCE|2026-11-18']);
    });

    it('catches up the nights missed while the scheduler was down, oldest first', async () => {
      await clearTables(ctx.storage);
      expect(runs(await catchUpNightlyAudits(ctx, at('2026-11-17T02:30:00')))).toEqual([
        '2026-11-16 done access-2026-11-16.jsonl',
      ]);
      // Down from the 17th until the morning of the 21st. A scheduler asked to stop during the
      // first day's audit ends the catch-up there; its next start audits the rest.
      const log: string[] = [];
      let stopAsked = false;
      const stopped = await catchUpNightlyAudits(
        ctx,
        at('2026-11-21T07:45:00'),
        (l) => {
          log.push(l);
          if (l.startsWith('auditing ')) stopAsked = true;
        },
        () => stopAsked,
      );
      expect(runs(stopped)).toEqual(['2026-11-17 done access-2026-11-17.csv']);
      expect(log.at(-1)).toBe('2026-11-18 and any later days left for the next start');
      expect(runs(await catchUpNightlyAudits(ctx, at('2026-11-21T07:45:00')))).toEqual([
        '2026-11-18 done access-20261118.jsonl.gz',
        '2026-11-19 done access-2026-11-19.jsonl',
        '2026-11-20 empty ',
      ]);
      expect(await anomalyKeys(ctx)).toEqual([
        'A001|ACCESS_WITHOUT_APPROVAL|2026-11-16',
        'A001|LOGIN_BRUTE_FORCE|2026-11-18',
        'A002|ACCESS_AFTER_DEPARTURE|2026-11-19',
        'B001|DELETION_WITHOUT_APPROVAL|2026-11-17',
      ]);
      expect(await jobRuns(ctx)).toEqual([
        '2026-11-16 done',
        '2026-11-17 done',
        '2026-11-18 done',
        '2026-11-19 done',
        '2026-11-20 done',
      ]);
    });

    it('catches up no further back than catchUpDays', async () => {
      await clearTables(ctx.storage);
      const short = withAuditorConfig(ctx, { catchUpDays: 1 });
      expect(runs(await catchUpNightlyAudits(short, at('2026-11-17T02:30:00')))).toHaveLength(1);
      expect(runs(await catchUpNightlyAudits(short, at('2026-11-20T02:30:00')))).toEqual([
        '2026-11-18 done access-20261118.jsonl.gz',
        '2026-11-19 done access-2026-11-19.jsonl',
      ]);
      expect(await jobRuns(ctx)).toEqual(['2026-11-16 done', '2026-11-18 done', '2026-11-19 done']);
    });

    it('refuses to run while another connection holds the lock, then catches up once it is free', async () => {
      await clearTables(ctx.storage);
      await catchUpNightlyAudits(ctx, at('2026-11-17T02:30:00'));
      // Another scheduler, on a connection of its own (on PGlite, which has one session per
      // process, another handle in this process), is auditing.
      let holder: Storage = ctx.storage;
      if (backend.name === 'postgres') {
        holder = await openStorage({
          databaseUrl: process.env['TEST_DATABASE_URL'] || process.env['DATABASE_URL'],
          ...(ctx.storage.schema ? { schema: ctx.storage.schema } : {}),
        });
      }
      try {
        const held = await withAdvisoryLock(holder, auditorLockName(ctx.storage), async () => {
          const refused = await catchUpNightlyAudits(ctx, at('2026-11-20T02:30:00'));
          // The first missing day is refused, the later ones are not even tried.
          expect(runs(refused)).toEqual(['2026-11-17 locked access-2026-11-17.csv']);
          expect(refused[0]!.summary).toBeUndefined();
          expect(await jobRuns(ctx)).toEqual(['2026-11-16 done', '2026-11-17 failed {"reason":"locked"}']);
          // `auditor schedule --once` says so with exit code 3.
          const cli = await runCli(runScheduleCommand, ctx, ['--once', '--json']);
          expect(cli.code).toBe(3);
          expect(cli.json).toMatchObject({ ok: false });
          expect((cli.json!['runs'] as { status: string }[]).map((r) => r.status)).toEqual(['locked']);
          return true;
        });
        expect(held).toEqual({ acquired: true, result: true });
      } finally {
        if (holder !== ctx.storage) await holder.close();
      }
      expect(await anomalyKeys(ctx)).toEqual(['A001|ACCESS_WITHOUT_APPROVAL|2026-11-16']);
      // The other run is over: the refused night and the ones after it are audited.
      expect(runs(await catchUpNightlyAudits(ctx, at('2026-11-20T02:30:00')))).toEqual([
        '2026-11-17 done access-2026-11-17.csv',
        '2026-11-18 done access-20261118.jsonl.gz',
        '2026-11-19 done access-2026-11-19.jsonl',
      ]);
      expect(await anomalyKeys(ctx)).toHaveLength(4);
    });
  });
}
