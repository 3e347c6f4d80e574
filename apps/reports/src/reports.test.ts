import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CustodianContext, Storage } from '@custodian/core';
import { testBackends, useTestStorage } from '@custodian/core/testing';
import { sql } from 'kysely';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { type BuildReportResult, buildReport } from './build-report.js';
import { readManifest } from './output/manifest.js';
import {
  CLEAR_VALUES,
  HAS_PDFTOTEXT,
  openTestContext,
  pdfInfo,
  pdfText,
  readWorkbook,
  removeTempDirs,
  seedAnomalies,
  seedArchive,
  sheetRows,
  tempDir,
  workbookText,
} from './testing/fixtures.js';

/**
 * Each report kind built from a small archive with known answers, in both languages: the cells
 * read back from the workbook and the text extracted from the PDF say what the data says, only
 * masked values appear, every page carries the marking and the page number, and the same data
 * gives the same bytes.
 */
if (!HAS_PDFTOTEXT) {
  console.warn('pdftotext (poppler-utils) is not installed: PDF text assertions are skipped');
}

const NOW = new Date('2026-12-10T12:00:00+08:00');

/** pdftotext drops or adds spaces between CJK and Latin text: compare without white space. */
function squash(s: string): string {
  return s.replace(/\s+/g, '');
}

function has(text: string, part: string): boolean {
  return squash(text).includes(squash(part));
}

function expectHas(text: string, part: string): void {
  expect(has(text, part), `PDF text should contain "${part}"`).toBe(true);
}

function expectLacks(text: string, part: string): void {
  expect(has(text, part), `PDF text should not contain "${part}"`).toBe(false);
}

function file(r: BuildReportResult, format: 'xlsx' | 'pdf'): string {
  const f = r.files.find((x) => x.format === format);
  if (!f) throw new Error(`no ${format} in ${JSON.stringify(r.files)}`);
  return f.absolutePath;
}

/** Asserts what every report must: masked only, marking and page numbers on every page. */
async function checkCommon(
  r: BuildReportResult,
  lang: 'zh' | 'en',
): Promise<{ xlsxText: string; pdf: string | undefined }> {
  const wb = await readWorkbook(file(r, 'xlsx'));
  const xlsxText = workbookText(wb);
  for (const v of CLEAR_VALUES) expect(xlsxText).not.toContain(v);
  expect(xlsxText).toContain('内部资料 注意保密');
  const pdf = pdfText(file(r, 'pdf'));
  if (pdf !== undefined) {
    for (const v of CLEAR_VALUES) expectLacks(pdf, v);
    const pages = pdf.split('\f').filter((p) => p.trim() !== '');
    expect(pages.length).toBeGreaterThan(0);
    pages.forEach((page, i) => {
      expectHas(page, '内部资料 注意保密');
      expectHas(
        page,
        lang === 'zh' ? `第 ${i + 1} 页 / 共 ${pages.length} 页` : `Page ${i + 1} of ${pages.length}`,
      );
      expectHas(page, lang === 'zh' ? '生成时间' : 'Generated');
    });
    const info = pdfInfo(file(r, 'pdf'))!;
    // pdfinfo prints CreationDate in UTC when TZ is unset; the scheduled time, not the clock.
    expect(info).toMatch(/CreationDate:/);
    expect(info).not.toMatch(/CreationDate:\s+\S+ Dec 10 /);
    const fonts = readFileSync(file(r, 'pdf'), 'latin1');
    expect(fonts).toMatch(/\/BaseFont \/[A-Z]{6}\+NotoSansSC/);
  }
  return { xlsxText, pdf };
}

for (const backend of testBackends()) {
  describe(`reports (${backend.name})`, () => {
    let storage: Storage;
    let ctx: CustodianContext;
    let out: string;
    useTestStorage(backend, async (s) => {
      storage = s;
      ctx = await openTestContext(storage);
    });
    afterAll(() => {
      removeTempDirs();
    });
    beforeEach(async () => {
      await seedArchive(ctx);
      out = tempDir();
    });

    it('problem list: a sheet per channel, masked values, outcome drop-down, locked cells; PDF per channel', async () => {
      const r = await buildReport(ctx, { kind: 'problem-list', period: '2026-11-23', outDir: out, now: NOW });
      expect(r.rows).toBe(6);
      expect(r.generatedAt).toBe('2026-11-22T23:30:00.000Z');
      const wb = await readWorkbook(file(r, 'xlsx'));
      expect(wb.worksheets.map((w) => w.name)).toEqual([
        '填写说明',
        '_custodian',
        '个险',
        '银保',
        '未分渠道',
      ]);
      expect(wb.getWorksheet('_custodian')!.state).toBe('hidden');
      const ws = wb.getWorksheet('个险')!;
      const rows = sheetRows(ws);
      expect(rows[1]!.slice(0, 3)).toEqual(['问题件编号', '规则', '严重程度']);
      expect(rows.slice(2).map((x) => x[0])).toEqual(['1', '2', '3', '5']);
      expect(rows[2]![1]).toBe('MISSING_REQUIRED 必填项缺失');
      expect(rows[2]![5]).toBe('张*明 110105********0011');
      expect(rows[2]![6]).toBe('投保人电话: （缺失）');
      expect(rows[2]![12]).toBe('2026-11-26');
      expect(rows[5]![13]).toBe('已关闭');
      expect(ws.getColumn(19).hidden).toBe(true);
      expect(ws.getCell('O3').protection).toEqual({ locked: false, hidden: false });
      expect(ws.getCell('A3').protection?.locked).not.toBe(false);
      expect((ws as unknown as { sheetProtection: { sheet: boolean } }).sheetProtection.sheet).toBe(true);
      expect(
        (ws as unknown as { dataValidations: { find(a: string): unknown } }).dataValidations.find('O3'),
      ).toMatchObject({
        type: 'list',
        formulae: ['"已更正,核实无误,虚假信息,不予处理"'],
      });
      expect(sheetRows(wb.getWorksheet('银保')!)[2]![0]).toBe('4');

      const { pdf } = await checkCommon(r, 'zh');
      if (pdf) {
        expectHas(pdf, '问题件清单 2026-11-23');
        expectHas(pdf, '渠道: 个险 (4)');
        expectHas(pdf, '渠道: 银保 (1)');
        expectHas(pdf, '110105********0011');
        expectHas(pdf, '缺少必填项：投保人电话');
      }

      const en = await buildReport(ctx, {
        kind: 'problem-list',
        period: '2026-11-23',
        lang: 'en',
        outDir: out,
        now: NOW,
      });
      const enWb = await readWorkbook(file(en, 'xlsx'));
      expect(enWb.worksheets.map((w) => w.name)).toContain('(no channel)');
      expect(sheetRows(enWb.getWorksheet('个险')!)[2]![6]).toBe('holder phone: (missing)');
      const enText = await checkCommon(en, 'en');
      if (enText.pdf) expectHas(enText.pdf, 'Suspicious-record list 2026-11-23');
    });

    it('batch: rows read, quarantined, flagged, completeness and findings by rule, branch, channel', async () => {
      const r = await buildReport(ctx, { kind: 'batch', outDir: out, now: NOW });
      expect(r.period).toBe('2026-11-20');
      const wb = await readWorkbook(file(r, 'xlsx'));
      const summary = sheetRows(wb.getWorksheet('概要')!);
      const figure = (label: string) => summary.find((row) => row[0] === label)?.[1];
      expect(figure('读取行数')).toBe('7');
      expect(figure('隔离行数（无法解析）')).toBe('1');
      expect(figure('入库记录')).toBe('6');
      const completeness = sheetRows(wb.getWorksheet('必填项完整率')!);
      const phone = completeness.find((row) => row[0]?.includes('(holder_phone)'))!;
      expect(phone[1]).toBe('1');
      expect(
        Number(wb.getWorksheet('必填项完整率')!.getCell(`C${completeness.indexOf(phone) + 1}`).value),
      ).toBeCloseTo(5 / 6);
      const byRule = sheetRows(wb.getWorksheet('按规则')!);
      expect(byRule.find((row) => row[0]?.startsWith('DUP_PHONE'))?.[2]).toBe('2');
      expect(sheetRows(wb.getWorksheet('按渠道')!).find((row) => row[0] === '个险')?.[1]).toBe('5');
      const quarantine = sheetRows(wb.getWorksheet('隔离原因')!);
      expect(quarantine[2]![0]).toBe('malformed CSV (CSV_INVALID_CLOSING_QUOTE)');
      const { pdf } = await checkCommon(r, 'zh');
      if (pdf) expectHas(pdf, '必填项完整率');
      const en = await buildReport(ctx, { kind: 'batch', batchId: 1, lang: 'en', outDir: out, now: NOW });
      const enText = await checkCommon(en, 'en');
      if (enText.pdf) expectHas(enText.pdf, 'Completeness of mandatory fields');
    });

    it('management: figures, deadlines per channel, top lists, chart data; anomalies degrade, then show', async () => {
      // Without the auditor's table (as before migration 0002) the section says so.
      await sql`alter table anomalies rename to anomalies_away`.execute(storage.db);
      let r: BuildReportResult;
      try {
        r = await buildReport(ctx, { kind: 'management', period: '2026-11', outDir: out, now: NOW });
      } finally {
        await sql`alter table anomalies_away rename to anomalies`.execute(storage.db);
      }
      expect(r.generatedAt).toBe('2026-11-30T23:30:00.000Z');
      const wb = await readWorkbook(file(r, 'xlsx'));
      const summary = sheetRows(wb.getWorksheet('概要')!);
      const figure = (label: string) => summary.find((row) => row[0] === label)?.[1];
      expect(figure('新增问题件')).toBe('6');
      expect(figure('已关闭（复核通过）')).toBe('2');
      expect(figure('本期到期')).toBe('7');
      expect(figure('按期完成')).toBe('1');
      expect(figure('逾期')).toBe('6');
      expect(figure('期末未关闭')).toBe('6');
      expect(figure('期末逾期未处理')).toBe('5');
      const channels = sheetRows(wb.getWorksheet('渠道时限')!);
      expect(channels.find((row) => row[0] === '个险')?.slice(3, 6)).toEqual(['5', '1', '4']);
      expect(channels.find((row) => row[0] === '银保')?.slice(3, 6)).toEqual(['1', '0', '1']);
      const agents = sheetRows(wb.getWorksheet('营销员排名')!);
      expect(agents[2]!.slice(0, 4)).toEqual(['A001', '王*', '个险', '5']);
      const trend = sheetRows(wb.getWorksheet('趋势')!);
      expect(trend.slice(2).map((row) => row[0])).toEqual([
        '2026-06',
        '2026-07',
        '2026-08',
        '2026-09',
        '2026-10',
        '2026-11',
      ]);
      const chartData = sheetRows(wb.getWorksheet('图表数据')!);
      expect(chartData[0]![0]).toContain('exceljs');
      expect(chartData.some((row) => row[0] === '问题件趋势')).toBe(true);
      const { pdf } = await checkCommon(r, 'zh');
      if (pdf) {
        expectHas(pdf, '客户信息管理报告（月报）');
        expectHas(pdf, '无访问审计数据');
      }

      await seedAnomalies(ctx);
      const withAudit = await buildReport(ctx, {
        kind: 'management',
        period: '2026-11',
        lang: 'en',
        outDir: out,
        now: NOW,
      });
      const wb2 = await readWorkbook(file(withAudit, 'xlsx'));
      const codes = sheetRows(wb2.getWorksheet('Anomalies by code')!);
      expect(codes.slice(2).map((row) => row.slice(0, 6))).toEqual([
        ['OFF_HOURS_ACCESS off-hours access', 'warning', '2', '15', '1', '1'],
        ['BULK_EXPORT bulk export', 'error', '1', '500', '1', '0'],
      ]);
      const departments = sheetRows(wb2.getWorksheet('Anomalies by department')!);
      expect(departments.slice(2).map((row) => row.slice(0, 4))).toEqual([
        ['客服部', '2', '15', '2'],
        ['运营部', '1', '500', '1'],
      ]);
      const en = await checkCommon(withAudit, 'en');
      if (en.pdf) {
        expectHas(en.pdf, 'Access anomalies by code');
        expectLacks(en.pdf, 'No access-audit data');
      }

      const weekly = await buildReport(ctx, {
        kind: 'management',
        period: '2026-W48',
        outDir: out,
        now: NOW,
      });
      expect(sheetRows((await readWorkbook(file(weekly, 'xlsx'))).getWorksheet('趋势')!)[7]![0]).toBe(
        '2026-W48',
      );
      await expect(
        buildReport(ctx, { kind: 'management', period: '2026-11-23', outDir: out }),
      ).rejects.toThrow(/a week, month or quarter/);
    });

    it('regulatory: agents and agencies with confirmed false information, the records concerned', async () => {
      const r = await buildReport(ctx, { kind: 'regulatory', period: '2026-Q4', outDir: out, now: NOW });
      const wb = await readWorkbook(file(r, 'xlsx'));
      const providers = sheetRows(wb.getWorksheet('责任人汇总')!);
      expect(providers.slice(2).map((row) => [row[0], row[1], row[2], row[5]])).toEqual([
        ['A001', '营销员', '王*', '1'],
        ['某代理公司', '代理机构/其他', '', '1'],
      ]);
      const records = sheetRows(wb.getWorksheet('涉及记录')!);
      expect(records.slice(2).map((row) => [row[0], row[1]])).toEqual([
        ['A001', '7'],
        ['某代理公司', '8'],
      ]);
      expect(records[2]![3]).toBe('张*明 110105********0011');
      const { pdf } = await checkCommon(r, 'zh');
      if (pdf) expectHas(pdf, '提供虚假客户信息的营销员及代理机构汇总');
      const q3 = await buildReport(ctx, {
        kind: 'regulatory',
        period: '2026-Q3',
        lang: 'en',
        outDir: out,
        now: NOW,
      });
      const en = await checkCommon(q3, 'en');
      expect(en.xlsxText).toContain('No confirmed false customer information this quarter');
    });

    it('retention: records due for destruction and the destructions done, with time, method and person', async () => {
      const r = await buildReport(ctx, { kind: 'retention', period: '2026-11', outDir: out, now: NOW });
      const wb = await readWorkbook(file(r, 'xlsx'));
      const due = sheetRows(wb.getWorksheet('待销毁')!);
      expect(due.slice(2).map((row) => [row[0], row[6], row[7]])).toEqual([
        ['R005', '2026-10-15', '46'],
        ['R006', '2026-11-10', '20'],
      ]);
      const done = sheetRows(wb.getWorksheet('销毁记录')!);
      expect(done[2]!.slice(0, 4)).toEqual(['2026-11-18 10:00', '粉碎', '李档案', 'R007']);
      const { pdf } = await checkCommon(r, 'zh');
      if (pdf) expectHas(pdf, '李档案');
      const en = await buildReport(ctx, {
        kind: 'retention',
        period: '2026-Q4',
        lang: 'en',
        outDir: out,
        now: NOW,
      });
      await checkCommon(en, 'en');
    });

    it('refuses a report kind or language that is not one, quoting a phone given there masked', async () => {
      const refused = (opts: Partial<Parameters<typeof buildReport>[1]>) =>
        buildReport(ctx, { kind: 'batch', outDir: out, now: NOW, ...opts }).catch((e: unknown) => e);
      expect(await refused({ kind: '13812345678' })).toMatchObject({
        code: 'USAGE',
        message: expect.stringContaining(
          'unknown report kind "13*******78" (problem-list, batch, management, regulatory, retention)',
        ),
      });
      expect(await refused({ kind: 'weekly' })).toMatchObject({
        message: expect.stringMatching(/^unknown report kind "weekly"/),
      });
      expect(await refused({ lang: '13812345678' as 'zh' })).toMatchObject({
        code: 'USAGE',
        message: expect.stringContaining('--lang must be zh or en, not "13*******78" (see'),
      });
    });

    it('builds the same bytes twice, and the manifest holds their SHA-256', async () => {
      const hashes = async (dir: string) => {
        const all: string[] = [];
        for (const kind of ['problem-list', 'management'] as const) {
          const r = await buildReport(ctx, {
            kind,
            period: kind === 'problem-list' ? '2026-11-23' : '2026-11',
            outDir: dir,
            now: NOW,
          });
          all.push(...r.files.map((f) => `${f.path} ${f.sha256}`));
        }
        return all;
      };
      const a = await hashes(out);
      const other = tempDir();
      const b = await hashes(other);
      expect(b).toEqual(a);
      const manifest = readManifest(other);
      expect(manifest.files.map((f) => `${f.path} ${f.sha256}`).sort()).toEqual([...b].sort());
      expect(readFileSync(join(other, 'manifest.json'), 'utf8')).toBe(
        readFileSync(join(out, 'manifest.json'), 'utf8'),
      );
    });
  });
}
