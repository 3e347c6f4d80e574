import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type CustodianContext, loadConfig, openCustodian, type Storage } from '@custodian/core';
import type { TestBackend } from '@custodian/core/testing';
import type { AuditorConfig } from '../config.js';
import { LOG_FIELDS } from '../input/log-fields.js';

export { LOG_FIELDS };

/**
 * Test support for the auditor: small hand-built staff, approval and log files with known answers,
 * a context over a test backend, and the command functions driven the way cli.ts drives them with
 * stdout and stderr captured. Nothing here stands in for the database.
 */
/**
 * What a suite of integration tests gets from commands.test.ts, which opens one context per backend
 * for all of them (opening the embedded database costs seconds: once per backend, not per suite).
 */
export interface SuiteEnv {
  backend: TestBackend;
  /** The backend's context, with `clearTables` left to each test. */
  ctx(): CustodianContext;
  /** A folder of this backend's own. */
  dir: string;
}

export function tempDir(prefix = 'auditor-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function openTestContext(
  storage: Storage,
  dataDir: string,
  auditor: Partial<AuditorConfig> = {},
): Promise<CustodianContext> {
  return openCustodian(
    loadConfig({
      env: {},
      file: false,
      overrides: {
        dataDir,
        masterKeys: `t1:${Buffer.alloc(32, 5).toString('base64')}`,
        actor: 'tester',
        auditor: { workers: 0, ...auditor },
      },
    }),
    { storage },
  );
}

/** The same context (same database) with other auditor settings, as another custodian.config.json would give. */
export function withAuditorConfig(ctx: CustodianContext, auditor: Partial<AuditorConfig>): CustodianContext {
  const config = { ...ctx.config, auditor: { ...ctx.config.auditor, ...auditor } };
  return { ...ctx, config: config as CustodianContext['config'] };
}

export const STAFF_HEADER = 'operator_id,name,department,branch,role,clearance,status,status_since';
export const APPROVALS_HEADER =
  'approval_id,operator_id,kind,scope,purpose,approved_by,valid_from,valid_to,max_records';
export type LogEvent = Partial<Record<(typeof LOG_FIELDS)[number], string | number>> &
  Record<string, string | number>;

/** Writes lines (a header first, for CSV) to a file, gzip-compressed when the name ends in `.gz`. */
export function writeLines(file: string, lines: string[]): string {
  mkdirSync(join(file, '..'), { recursive: true });
  const text = `${lines.join('\n')}\n`;
  writeFileSync(file, file.endsWith('.gz') ? gzipSync(text) : text);
  return file;
}

function csvCell(v: string | number | undefined): string {
  const s = v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Events as log lines: one JSON object a line, or CSV with `columns` as the header. */
export function logLines(
  format: 'jsonl' | 'csv',
  events: LogEvent[],
  columns: readonly string[] = LOG_FIELDS,
): string[] {
  if (format === 'jsonl') return events.map((e) => JSON.stringify(e));
  return [columns.join(','), ...events.map((e) => columns.map((c) => csvCell(e[c])).join(','))];
}

/**
 * A small world on Monday 2026-11-16 (a working day): three clerks of the Beijing branch, one of
 * whom left on the 10th, and an archivist with a standing export approval for November.
 */
export function writeMasterData(dir: string): { staffFile: string; approvalsFile: string } {
  const staffFile = writeLines(join(dir, 'staff.csv'), [
    STAFF_HEADER,
    'A001,张三明,客户服务部,北京分公司,业务员,普通,active,',
    'A002,李四光,客户服务部,北京分公司,业务员,普通,left,2026-11-10',
    'A003,王五,档案室,北京分公司,档案员,秘密,active,',
    'B001,赵六,理赔部,上海分公司,理赔员,普通,active,',
  ]);
  const approvalsFile = writeLines(join(dir, 'approvals.csv'), [
    APPROVALS_HEADER,
    'E1,A003,export,all,月度报送,M01,2026-11-01,2026-11-30,',
    'D1,B001,delete,KH000000031,到期销毁,M02,2026-11-01,2026-11-30,',
  ]);
  return { staffFile, approvalsFile };
}

export function ev(
  ts: string,
  operator: string,
  action: string,
  extra: Partial<LogEvent> = {},
  day = '2026-11-16',
): LogEvent {
  return { ts: `${day}T${ts}+08:00`, operator_id: operator, action, client_ip: '10.8.3.27', ...extra };
}

export { type Captured, runCli } from '@custodian/core/testing';

/** The group keys of the stored anomalies (operator|code|day), sorted. */
export async function anomalyKeys(ctx: CustodianContext): Promise<string[]> {
  const rows = await ctx.storage.db
    .selectFrom('anomalies')
    .select('group_key')
    .orderBy('group_key')
    .execute();
  return rows.map((r) => r.group_key);
}

/** The fields of an exported anomaly (formats.md, anomalies export). */
export const ANOMALY_EXPORT_KEYS = [
  'anomaly_id',
  'code',
  'severity',
  'operator_id',
  'first_ts',
  'last_ts',
  'event_count',
  'archive_nos',
  'score',
  'reason_zh',
  'reason_en',
  'status',
] as const;
