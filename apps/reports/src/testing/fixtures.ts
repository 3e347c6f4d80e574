import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CustodianContext, encryptJson, loadConfig, openCustodian, type Storage } from '@custodian/core';
import ExcelJS from 'exceljs';
import { sql } from 'kysely';

/**
 * Test support for the reports: a small archive with known answers, inserted directly, and
 * readers for what the reports contain (cells read back with exceljs, PDF text via poppler's
 * pdftotext). The clear values below are stored only encrypted; no report may ever show them.
 */
export const CLEAR_VALUES = ['张三明', '110105198005060011', '13912340001', '6222021234567890123'];

const tempDirs: string[] = [];

/** A fresh folder under the system's temp folder, removed by `removeTempDirs`. */
export function tempDir(prefix = 'custodian-reports-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export async function openTestContext(
  storage: Storage,
  overrides: Record<string, unknown> = {},
): Promise<CustodianContext> {
  const config = loadConfig({
    env: {},
    overrides: {
      masterKeys: `test1:${Buffer.alloc(32, 7).toString('base64')}`,
      actor: 'tester',
      ...overrides,
    },
  });
  return openCustodian(config, { storage });
}

const at = (iso: string) => new Date(iso);

/**
 * The archive: batch 1 ingested 2026-11-20 (a Friday), listed Monday 2026-11-23, due 2026-11-26.
 * Customers 1-6; flags 1-7 (ids in insertion order):
 *  1 个险 MISSING_REQUIRED holder_phone, open           5 个险 DUP_PHONE, resolved on time (genuine), closed
 *  2 个险 DUP_PHONE, open                                6 (no channel) CONSENT_MISSING, open
 *  3 个险 PHONE_FORMAT, open                             7 个险, listed 2026-11-02, due 11-05, resolved 11-10 false_info
 *  4 银保 ID_CHECKSUM, open                                 to agent A001, closed 11-12 (a missed deadline)
 *  8 银保, listed 2026-10-12, false_info to 某代理公司, closed 2026-12-02 (regulatory Q4)
 */
export async function seedArchive(ctx: CustodianContext): Promise<void> {
  const db = ctx.storage.db;
  const pii = encryptJson(ctx.keyring, {
    holder_name: CLEAR_VALUES[0],
    holder_id_number: CLEAR_VALUES[1],
    holder_phone: CLEAR_VALUES[2],
    bank_account: CLEAR_VALUES[3],
  });
  await db
    .insertInto('batches')
    .values({
      file_name: 'customers_20261120.csv',
      file_sha256: 'a'.repeat(64),
      status: 'done',
      profile: 'insurance',
      ingested_on: '2026-11-20',
      rows_read: 7,
      rows_quarantined: 1,
      rows_flagged: 5,
      summary: '{}',
      error: null,
      started_at: at('2026-11-20T17:00:00Z'),
      finished_at: at('2026-11-20T17:05:00Z'),
    })
    .execute();
  await db
    .insertInto('quarantine')
    .values({
      batch_id: 1,
      file_name: 'customers_20261120.csv',
      line: 5,
      column_name: null,
      reason: `malformed CSV (CSV_INVALID_CLOSING_QUOTE): Invalid Closing Quote: got "${CLEAR_VALUES[2]}" at line 5`,
      raw: null,
    })
    .execute();
  const customer = (i: number, over: Record<string, unknown> = {}) => ({
    record_id: `R00${i}`,
    archive_no: `KH00${i}`,
    channel: '个险',
    branch: '北京分公司',
    agent_id: 'A001',
    sign_date: '2026-11-01',
    secrecy_level: '普通',
    pii,
    holder_name_masked: '张*明',
    holder_id_masked: '110105********0011',
    holder_phone_masked: '139****0001',
    row_hash: Buffer.from([i]),
    first_batch_id: 1,
    last_batch_id: 1,
    retention_until: '2056-11-01',
    created_at: at('2026-11-20T17:05:00Z'),
    ...over,
  });
  await db
    .insertInto('customers')
    .values([
      customer(1),
      customer(2),
      customer(3),
      customer(4, { channel: '银保', branch: '上海分公司', agent_id: 'A002' }),
      customer(5, { retention_until: '2026-10-15', sign_date: '1996-10-15' }),
      customer(6, { channel: null, retention_until: '2026-11-10', sign_date: '1996-11-10' }),
      customer(7, { retention_until: '2026-09-01', destroyed_at: at('2026-11-18T02:00:00Z') }),
    ])
    .execute();
  await db
    .insertInto('destructions')
    .values({
      customer_id: 7,
      record_id: 'R007',
      archive_no: 'KH007',
      destroyed_at: at('2026-11-18T02:00:00Z'),
      method: '粉碎',
      actor: '李档案',
      reason: '保管期满',
    })
    .execute();
  await db
    .insertInto('agents')
    .values([
      {
        agent_id: 'A001',
        name_masked: '王*',
        pii,
        channel: '个险',
        branch: '北京分公司',
        status: 'active',
        hired_on: '2020-01-01',
      },
      {
        agent_id: 'A002',
        name_masked: '赵*',
        pii,
        channel: '银保',
        branch: '上海分公司',
        status: 'active',
        hired_on: '2021-01-01',
      },
    ])
    .execute();
  const flag = (i: number, customerId: number, over: Record<string, unknown>) => ({
    fingerprint: `fp${i}`,
    rule: 'DUP_PHONE',
    severity: 'warning' as const,
    customer_id: customerId,
    record_id: `R00${customerId}`,
    archive_no: `KH00${customerId}`,
    batch_id: 1,
    related_record_ids: [] as string[],
    reason_zh: '手机号码 139****0001 同时登记在 2 个不同证件号码的客户名下',
    reason_en: 'The same phone number 139****0001 is registered for 2 customers',
    masked_values: JSON.stringify({ holder_phone: '139****0001' }),
    status: 'open' as const,
    channel: '个险',
    branch: '北京分公司',
    agent_id: 'A001',
    listed_on: '2026-11-23',
    due_on: '2026-11-26',
    raised_at: at('2026-11-20T17:05:00Z'),
    ...over,
  });
  await db
    .insertInto('flags')
    .values([
      flag(1, 1, {
        rule: 'MISSING_REQUIRED',
        severity: 'error',
        masked_values: JSON.stringify({ holder_phone: null }),
        reason_zh: '缺少必填项：投保人电话（holder_phone）',
        reason_en: 'mandatory field missing: holder phone (holder_phone)',
      }),
      flag(2, 2, { related_record_ids: ['R003'] }),
      flag(3, 3, {
        rule: 'PHONE_FORMAT',
        severity: 'error',
        reason_zh: '手机号段179未分配',
        reason_en: 'mobile segment 179 is not allocated',
      }),
      flag(4, 4, {
        rule: 'ID_CHECKSUM',
        severity: 'error',
        channel: '银保',
        branch: '上海分公司',
        agent_id: 'A002',
        masked_values: JSON.stringify({ holder_id_number: '110105********0011' }),
        reason_zh: '证件号码校验码错误',
        reason_en: 'ID check digit is wrong',
      }),
      flag(5, 5, {
        status: 'closed',
        outcome: 'genuine',
        resolved_by: 'ch1',
        resolved_at: at('2026-11-24T03:00:00Z'),
        closed_at: at('2026-11-25T03:00:00Z'),
      }),
      flag(6, 6, {
        rule: 'CONSENT_MISSING',
        severity: 'warning',
        channel: null,
        reason_zh: '客户未同意采集个人信息',
        reason_en: 'the customer did not consent',
      }),
      flag(7, 1, {
        rule: 'AGENT_CONTACT_SUBSTITUTION',
        listed_on: '2026-11-02',
        due_on: '2026-11-05',
        raised_at: at('2026-10-30T17:05:00Z'),
        status: 'closed',
        outcome: 'false_info',
        attributed_to: 'A001',
        resolved_by: 'ch1',
        resolved_at: at('2026-11-10T03:00:00Z'),
        closed_at: at('2026-11-12T03:00:00Z'),
      }),
      flag(8, 4, {
        rule: 'AGENT_CONTACT_SUBSTITUTION',
        channel: '银保',
        branch: '上海分公司',
        agent_id: 'A002',
        listed_on: '2026-10-12',
        due_on: '2026-10-15',
        raised_at: at('2026-10-09T17:05:00Z'),
        status: 'closed',
        outcome: 'false_info',
        attributed_to: '某代理公司',
        resolved_by: 'ch2',
        resolved_at: at('2026-10-14T03:00:00Z'),
        closed_at: at('2026-12-02T03:00:00Z'),
      }),
    ])
    .execute();
}

/** Access anomalies in the auditor's table (migration 0002): three in November 2026, one in December, one false positive. */
export async function seedAnomalies(ctx: CustodianContext): Promise<void> {
  const db = ctx.storage.db;
  const row = (
    key: string,
    code: string,
    severity: string,
    operator: string,
    department: string,
    day: string,
    events: number,
    status: string,
  ) =>
    sql`(${key}, ${code}, ${severity}, ${operator}, ${department}, '北京分公司', ${day}::date, ${`${day}T12:00:00+08:00`}::timestamptz,
      ${`${day}T13:00:00+08:00`}::timestamptz, ${events}, 0.8, '测试异常', 'test anomaly', ${status})`;
  await sql`insert into anomalies (group_key, code, severity, operator_id, department, branch, day, first_ts, last_ts,
      event_count, score, reason_zh, reason_en, status) values ${sql.join([
        row('g1', 'OFF_HOURS_ACCESS', 'warning', 'U01', '客服部', '2026-11-03', 12, 'open'),
        row('g2', 'OFF_HOURS_ACCESS', 'warning', 'U02', '客服部', '2026-11-04', 3, 'confirmed'),
        row('g3', 'BULK_EXPORT', 'error', 'U03', '运营部', '2026-11-05', 500, 'open'),
        row('g4', 'BULK_EXPORT', 'error', 'U03', '运营部', '2026-12-05', 100, 'open'),
        row('g5', 'ENUMERATION', 'error', 'U04', '运营部', '2026-11-06', 40, 'false_positive'),
      ])}`.execute(db);
}

export async function readWorkbook(file: string): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  return wb;
}

/** Every cell's text of every sheet, for "contains" and "never contains" checks. */
export function workbookText(wb: ExcelJS.Workbook): string {
  const parts: string[] = [];
  wb.eachSheet((ws) => {
    parts.push(`#${ws.name}`);
    ws.eachRow((row) => {
      row.eachCell((cell) => {
        parts.push(String(cell.text));
      });
    });
  });
  return parts.join('\n');
}

/** Rows of a sheet as arrays of cell texts (1-based columns become 0-based). */
export function sheetRows(ws: ExcelJS.Worksheet): string[][] {
  const rows: string[][] = [];
  ws.eachRow((row) => {
    const cells: string[] = [];
    row.eachCell({ includeEmpty: true }, (cell, col) => {
      cells[col - 1] = String(cell.text);
    });
    rows[row.number - 1] = cells;
  });
  // Blank rows are not visited: make them empty arrays, not holes.
  return Array.from(rows, (r) => r ?? []);
}

export const HAS_PDFTOTEXT = spawnSync('pdftotext', ['-v']).error === undefined;

/**
 * The text of a PDF as a reader's copy-paste would give it (poppler's pdftotext reads the
 * embedded font's ToUnicode map). Undefined when poppler-utils is not installed; the tests then
 * skip their text assertions and say so.
 */
export function pdfText(file: string): string | undefined {
  if (!HAS_PDFTOTEXT) return undefined;
  return execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
}

export function pdfInfo(file: string): string | undefined {
  if (!HAS_PDFTOTEXT) return undefined;
  return execFileSync('pdfinfo', [file], { encoding: 'utf8' });
}
