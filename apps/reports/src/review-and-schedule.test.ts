import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CustodianContext, decryptJson, type Storage, verifyFlag } from '@custodian/core';
import { testBackends, useTestStorage } from '@custodian/core/testing';
import type ExcelJS from 'exceljs';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { buildReport } from './build-report.js';
import { catchUpReports, catchUpSummary, dueRuns, morningCron } from './jobs/report-jobs.js';
import { readManifest } from './output/manifest.js';
import { loadCorrectionCodec } from './review/correction-codec.js';
import { importReview } from './review/import-review.js';
import { openTestContext, readWorkbook, removeTempDirs, seedArchive, tempDir } from './testing/fixtures.js';

/**
 * The review round trip (a problem list filled in by channels and imported back through core's
 * review rules) and the scheduler's runs and catch-up, on a small archive with known answers.
 */
const NOW = new Date('2026-12-10T12:00:00+08:00');

type Fill = Record<string, Record<string, string>>;

/** Builds the list of 2026-11-23, fills cells (sheet → address → value) as a channel would, saves a copy. */
async function filledList(ctx: CustodianContext, fill: Fill): Promise<string> {
  const out = tempDir();
  const r = await buildReport(ctx, {
    kind: 'problem-list',
    period: '2026-11-23',
    outDir: out,
    now: NOW,
    formats: ['xlsx'],
  });
  const wb: ExcelJS.Workbook = await readWorkbook(r.files[0]!.absolutePath);
  for (const [sheet, cells] of Object.entries(fill)) {
    const ws = wb.getWorksheet(sheet)!;
    for (const [address, value] of Object.entries(cells)) ws.getCell(address).value = value;
  }
  const target = `${out}/filled.xlsx`;
  await wb.xlsx.writeFile(target);
  return target;
}

for (const backend of testBackends()) {
  describe(`review import and schedule (${backend.name})`, () => {
    let storage: Storage;
    let ctx: CustodianContext;
    useTestStorage(backend, async (s) => {
      storage = s;
      ctx = await openTestContext(storage);
    });
    afterAll(() => {
      removeTempDirs();
    });
    beforeEach(async () => {
      await seedArchive(ctx);
    });

    const flagState = async (id: number) =>
      ctx.storage.db
        .selectFrom('flags')
        .select(['status', 'outcome', 'attributed_to', 'resolved_by'])
        .where('flag_id', '=', id)
        .executeTakeFirstOrThrow();
    const events = async (id: number) =>
      ctx.storage.db.selectFrom('flag_events').selectAll().where('flag_id', '=', id).execute();

    it('applies the good rows, reports each bad row by sheet and row, and changes nothing for them', async () => {
      // Sheet 个险: rows 3-6 are flags 1, 2, 3, 5 (5 is closed); 银保 row 3 is flag 4; 未分渠道 row 3 is flag 6.
      const file = await filledList(ctx, {
        个险: {
          O3: '核实无误',
          P3: '已电话联系客户核实',
          O4: '虚假信息',
          P4: '代理公司提供的号码',
          Q4: '某代理公司',
          O5: '待定',
          P5: '还在查',
          O6: '不予处理',
          P6: '重复',
        },
        银保: { O3: '不予处理' },
        未分渠道: { O3: 'dismissed', P3: '误报', I3: '改过的原因' },
      });
      const r = await importReview(ctx, file);
      expect(r.listedOn).toBe('2026-11-23');
      expect(r.applied).toEqual([
        { sheet: '个险', row: 3, flagId: 1, outcome: 'genuine' },
        { sheet: '个险', row: 4, flagId: 2, outcome: 'false_info' },
      ]);
      expect(r.bad.map((b) => [b.sheet, b.row, b.flagId])).toEqual([
        ['个险', 5, 3],
        ['个险', 6, 5],
        ['未分渠道', 3, 6],
        ['银保', 3, 4],
      ]);
      const problems = Object.fromEntries(r.bad.map((b) => [b.flagId, b.problems.join(' | ')]));
      expect(problems[3]).toMatch(/unknown outcome "待定"/);
      expect(problems[5]).toMatch(/already closed/);
      expect(problems[4]).toMatch(/note is required/);
      expect(problems[6]).toMatch(/tampered/);

      expect(await flagState(1)).toMatchObject({
        status: 'resolved',
        outcome: 'genuine',
        resolved_by: 'tester',
      });
      expect(await flagState(2)).toMatchObject({
        status: 'resolved',
        outcome: 'false_info',
        attributed_to: '某代理公司',
      });
      for (const id of [3, 4, 6]) {
        expect(await flagState(id)).toMatchObject({ status: 'open', outcome: null });
        expect(await events(id)).toEqual([]);
      }
      expect(await flagState(5)).toMatchObject({ status: 'closed', outcome: 'genuine' });
      const history = await events(1);
      expect(history.map((e) => [e.action, e.actor, (e.detail as { note: string }).note])).toEqual([
        ['resolved', 'tester', '已电话联系客户核实'],
      ]);

      // Importing the same workbook again records nothing twice.
      const again = await importReview(ctx, file);
      expect(again.applied).toEqual([]);
      expect(again.unchanged).toBe(2);
      expect(await events(1)).toHaveLength(1);
    });

    it('strict: one bad row holds back every row', async () => {
      const file = await filledList(ctx, {
        个险: { O5: '不予处理', P5: '系统误报' },
        银保: { O3: '不存在的结果', P3: '说明' },
      });
      const r = await importReview(ctx, file, { strict: true });
      expect(r.applied).toEqual([]);
      expect(r.held).toBe(1);
      expect(r.bad.map((b) => b.flagId)).toEqual([4]);
      expect(await flagState(3)).toMatchObject({ status: 'open' });
      const relaxed = await importReview(ctx, file);
      expect(relaxed.applied.map((a) => a.flagId)).toEqual([3]);
    });

    it('corrected: needs the codec, passes the values it read, refuses unreadable ones', async () => {
      const file = await filledList(ctx, {
        个险: { O3: '已更正', P3: '客户提供新号码', R3: '投保人电话=13800000000' },
        银保: { O3: 'corrected', P3: '改证件', R3: 'no_such_field=1' },
      });
      const without = await importReview(ctx, file);
      expect(without.applied).toEqual([]);
      expect(without.bad.find((b) => b.flagId === 1)?.problems.join()).toMatch(
        /cannot be applied from a workbook/,
      );
      expect(without.bad.find((b) => b.flagId === 4)?.problems.join()).toMatch(
        /unreadable corrected values.*no_such_field=…/,
      );

      const seen: Record<string, string>[] = [];
      const written: Record<string, string>[] = [];
      const r = await importReview(ctx, file, {
        correctionCodec: {
          check: async (_trx, _flag, values) => {
            seen.push(values);
            return { holder_phone: '138****0000' };
          },
          write: async (_trx, _flag, values) => {
            written.push(values);
            return { masked: {}, settled: [] };
          },
        },
      });
      expect(seen).toEqual([{ holder_phone: '13800000000' }]);
      // Checked when recorded, written only on verification: importing writes nothing.
      expect(written).toEqual([]);
      expect(r.applied.map((a) => [a.flagId, a.outcome])).toEqual([[1, 'corrected']]);
      expect((await events(1))[0]!.detail).toMatchObject({
        corrected: { holder_phone: '138****0000' },
        correction: 'pending_verification',
      });
    });

    it('corrected through the ingest codec: held on the flag by the import, written to the record on verification', async () => {
      const codecOf = await loadCorrectionCodec();
      expect(codecOf).toBeTypeOf('function');
      const customer = () =>
        ctx.storage.db
          .selectFrom('customers')
          .selectAll()
          .where('record_id', '=', 'R001')
          .executeTakeFirstOrThrow();
      const before = await customer();
      const file = await filledList(ctx, {
        个险: { O3: '已更正', P3: '客户提供新号码', R3: '投保人电话=13987650000' },
      });
      const r = await importReview(ctx, file, { correctionCodec: codecOf!(ctx) });
      expect(r.bad).toEqual([]);
      expect(r.applied.map((a) => [a.flagId, a.outcome])).toEqual([[1, 'corrected']]);
      expect(await customer()).toEqual(before);
      const held = await ctx.storage.db
        .selectFrom('flags')
        .select(['status', 'pending_correction'])
        .where('flag_id', '=', 1)
        .executeTakeFirstOrThrow();
      expect(held.status).toBe('resolved');
      expect(held.pending_correction).not.toBeNull();
      expect(Buffer.from(held.pending_correction!).includes('13987650000')).toBe(false);

      await verifyFlag(
        ctx.storage.db,
        1,
        { actor: 'compliance' },
        { keyring: ctx.keyring, codec: codecOf!(ctx) },
      );
      const after = await customer();
      expect(after.holder_phone_masked).toBe('139****0000');
      expect(decryptJson<Record<string, string>>(ctx.keyring, after.pii).holder_phone).toBe('13987650000');
      expect(after.holder_phone_bidx).not.toEqual(before.holder_phone_bidx);
    });

    it('refuses a workbook that is not a problem list', async () => {
      const out = tempDir();
      const r = await buildReport(ctx, { kind: 'batch', outDir: out, now: NOW, formats: ['xlsx'] });
      await expect(importReview(ctx, r.files[0]!.absolutePath)).rejects.toThrow(
        /not a problem-list workbook/,
      );
    });

    it('schedule: lists the due runs, builds the missing ones once, catches up a lost one with the same bytes', async () => {
      expect(morningCron(ctx)).toBe('30 7 * * *');
      await ctx.storage.db
        .insertInto('batches')
        .values({
          file_name: 'customers_20261130.csv',
          file_sha256: 'b'.repeat(64),
          status: 'done',
          profile: 'insurance',
          ingested_on: '2026-11-30',
          summary: '{}',
          error: null,
          started_at: new Date('2026-11-29T17:00:00Z'),
          finished_at: new Date('2026-11-29T17:01:00Z'),
        })
        .execute();
      const now = new Date('2026-12-01T08:00:00+08:00');
      const due = await dueRuns(ctx, now, 3);
      expect(due.map((r) => `${r.job} ${r.runKey}`)).toEqual([
        'reports.management.week 2026-W48',
        'reports.problem-list 2026-11-30',
        'reports.batch batch-2',
        'reports.management.month 2026-11',
        'reports.problem-list 2026-12-01',
        'reports.retention 2026-11',
      ]);
      // Before 07:30 the day's list is not due yet.
      expect(
        (await dueRuns(ctx, new Date('2026-12-01T07:00:00+08:00'), 3)).map((r) => r.runKey),
      ).not.toContain('2026-12-01');

      const out = tempDir();
      const first = (await catchUpReports(ctx, now, { outDir: out, catchUpDays: 3 }))?.outcomes;
      expect(first?.map((o) => o.status)).toEqual(['done', 'done', 'done', 'done', 'done', 'done']);
      const runs = await ctx.storage.db.selectFrom('job_runs').select(['job', 'run_key', 'status']).execute();
      expect(runs.filter((r) => r.status === 'done')).toHaveLength(6);
      const manifest = readManifest(out);
      expect(manifest.files).toHaveLength(12);
      expect(manifest.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256))).toBe(true);
      const monthly = manifest.files.filter((f) => f.path.startsWith('management/management_2026-11_'));
      expect(monthly.map((f) => f.generatedAt)).toEqual([
        '2026-11-30T23:30:00.000Z',
        '2026-11-30T23:30:00.000Z',
      ]);

      expect((await catchUpReports(ctx, now, { outDir: out, catchUpDays: 3 }))?.outcomes).toEqual([]);

      await ctx.storage.db.deleteFrom('job_runs').where('job', '=', 'reports.management.month').execute();
      const caughtUp = (
        await catchUpReports(ctx, new Date('2026-12-03T09:00:00+08:00'), { outDir: out, catchUpDays: 3 })
      )?.outcomes;
      expect(caughtUp?.map((o) => `${o.run.job} ${o.run.runKey}`)).toContain(
        'reports.management.month 2026-11',
      );
      const rebuilt = caughtUp!.find((o) => o.run.job === 'reports.management.month')!;
      expect(rebuilt.results[0]!.files.map((f) => `${f.path} ${f.sha256}`).sort()).toEqual(
        monthly.map((f) => `${f.path} ${f.sha256}`).sort(),
      );

      // A scheduler asked to stop ends a catch-up after the run being built; the rest wait.
      await ctx.storage.db.deleteFrom('job_runs').execute();
      const lines: string[] = [];
      let stopAsked = false;
      const stopped = await catchUpReports(ctx, now, {
        outDir: out,
        catchUpDays: 3,
        log: (l) => {
          lines.push(l);
          if (l.endsWith(': building')) stopAsked = true;
        },
        stopRequested: () => stopAsked,
      });
      expect(stopped?.outcomes.map((o) => `${o.run.job} ${o.run.runKey} ${o.status}`)).toEqual([
        'reports.management.week 2026-W48 done',
      ]);
      expect(stopped?.left.map((r) => `${r.job} ${r.runKey}`)).toEqual([
        'reports.problem-list 2026-11-30',
        'reports.batch batch-2',
        'reports.management.month 2026-11',
        'reports.problem-list 2026-12-01',
        'reports.retention 2026-11',
      ]);
      expect(lines.at(-1)).toBe('reports.problem-list 2026-11-30 and any later runs left for the next start');
      // The scheduler's line after the tick says so rather than "built".
      expect(catchUpSummary(stopped!)).toBe(
        '1 report run(s) built; stop requested: 5 left for the next start',
      );

      // The next start builds the rest; a run that fails (here: a file where the retention folder
      // goes) is counted as failed, not built.
      const blocked = tempDir();
      writeFileSync(join(blocked, 'retention'), '');
      const rest = await catchUpReports(ctx, now, { outDir: blocked, catchUpDays: 3 });
      expect(rest?.outcomes.map((o) => `${o.run.job} ${o.status}`)).toEqual([
        'reports.problem-list done',
        'reports.batch done',
        'reports.management.month done',
        'reports.problem-list done',
        'reports.retention failed',
      ]);
      expect(rest?.left).toEqual([]);
      expect(catchUpSummary(rest!)).toBe('4 report run(s) built, 1 failed');
    });
  });
}
