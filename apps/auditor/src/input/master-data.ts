import { maskName } from '@custodian/core';
import { readTableFile } from './table-file.js';

/**
 * The small inputs of an audit: the staff directory, the approval ledger and (optionally) a record
 * directory of the archive system, as formats.md describes them. A bad row is rejected with its
 * line and reason; the rest load.
 */
export const SECRECY_LEVELS = ['普通', '秘密', '机密', '绝密'] as const;

/** Rank of a secrecy level or clearance (普通 0 … 绝密 3); undefined when unknown. */
export function secrecyRank(level: string | null | undefined): number | undefined {
  if (level === null || level === undefined || level === '') return 0;
  const i = (SECRECY_LEVELS as readonly string[]).indexOf(level.trim());
  return i === -1 ? undefined : i;
}

export interface Rejected {
  line: number;
  reason: string;
}

export interface StaffEntry {
  operator_id: string;
  name_masked: string | null;
  department: string | null;
  branch: string | null;
  role: string | null;
  clearance: string;
  status: 'active' | 'transferred' | 'left';
  status_since: string | null;
}

export interface ApprovalEntry {
  approval_id: string;
  operator_id: string;
  kind: string;
  scope: string;
  purpose: string | null;
  approved_by: string | null;
  valid_from: string;
  valid_to: string;
  max_records: number | null;
}

export interface RecordEntry {
  archive_no: string;
  branch: string | null;
  secrecy_level: string;
}

const STAFF_HEADERS = {
  operator_id: ['工号', '操作员编号', '用户编号'],
  name: ['姓名'],
  department: ['部门'],
  branch: ['机构', '分支机构'],
  role: ['岗位', '角色'],
  clearance: ['密级权限', '涉密等级', '权限级别'],
  status: ['状态'],
  status_since: ['状态日期', '生效日期'],
};
const APPROVAL_HEADERS = {
  approval_id: ['审批编号', '审批单号'],
  operator_id: ['工号', '申请人工号', '操作员编号'],
  kind: ['类型', '审批类型'],
  scope: ['范围', '使用范围'],
  purpose: ['用途', '目的'],
  approved_by: ['审批人'],
  valid_from: ['生效日期', '开始日期'],
  valid_to: ['失效日期', '截止日期', '结束日期'],
  max_records: ['最大记录数', '限额'],
};
const RECORD_HEADERS = {
  archive_no: ['档案编号', '客户编号'],
  branch: ['分支机构', '机构'],
  secrecy_level: ['密级'],
};

const STATUS: Record<string, StaffEntry['status']> = {
  active: 'active',
  在职: 'active',
  transferred: 'transferred',
  调岗: 'transferred',
  调动: 'transferred',
  left: 'left',
  离职: 'left',
  resigned: 'left',
};
export const APPROVAL_KINDS = ['query', 'export', 'print', 'borrow', 'share', 'delete'];

/** `YYYY-MM-DD`, `YYYY/MM/DD` or `YYYYMMDD` → `YYYY-MM-DD`; undefined when not a real date. */
export function normaliseDate(v: string | undefined): string | undefined {
  if (!v) return undefined;
  const m = /^(\d{4})[-/.]?(\d{1,2})[-/.]?(\d{1,2})$/.exec(v.trim());
  if (!m) return undefined;
  const iso = `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}`;
  const d = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== iso ? undefined : iso;
}

export async function readStaffFile(file: string): Promise<{ staff: StaffEntry[]; rejected: Rejected[] }> {
  const staff: StaffEntry[] = [];
  const rejected: Rejected[] = [];
  for await (const { line, values: v } of readTableFile(file, STAFF_HEADERS)) {
    if (!v['operator_id']) {
      rejected.push({ line, reason: 'operator_id missing' });
      continue;
    }
    const clearance = v['clearance'] ?? '普通';
    if (secrecyRank(clearance) === undefined) {
      rejected.push({ line, reason: `unknown clearance "${clearance}" (普通, 秘密, 机密, 绝密)` });
      continue;
    }
    const status = STATUS[(v['status'] ?? 'active').toLowerCase()];
    if (!status) {
      rejected.push({ line, reason: `unknown status "${v['status']}" (active, transferred, left)` });
      continue;
    }
    const since = normaliseDate(v['status_since']);
    if (v['status_since'] && !since) {
      rejected.push({ line, reason: `status_since is not a date: "${v['status_since']}"` });
      continue;
    }
    if (status !== 'active' && !since) {
      rejected.push({
        line,
        reason: `status ${status} needs status_since (000 §3.3: from when access changes)`,
      });
      continue;
    }
    staff.push({
      operator_id: v['operator_id'],
      name_masked: v['name'] ? maskName(v['name']) : null,
      department: v['department'] ?? null,
      branch: v['branch'] ?? null,
      role: v['role'] ?? null,
      clearance,
      status,
      status_since: since ?? null,
    });
  }
  return { staff, rejected };
}

export async function readApprovalsFile(
  file: string,
): Promise<{ approvals: ApprovalEntry[]; rejected: Rejected[] }> {
  const approvals: ApprovalEntry[] = [];
  const rejected: Rejected[] = [];
  for await (const { line, values: v } of readTableFile(file, APPROVAL_HEADERS)) {
    const missing = ['approval_id', 'operator_id', 'kind', 'valid_from', 'valid_to'].filter((k) => !v[k]);
    if (missing.length > 0) {
      rejected.push({ line, reason: `missing ${missing.join(', ')}` });
      continue;
    }
    const kind = v['kind']!.toLowerCase();
    if (!APPROVAL_KINDS.includes(kind)) {
      rejected.push({ line, reason: `unknown kind "${v['kind']}" (${APPROVAL_KINDS.join(', ')})` });
      continue;
    }
    const from = normaliseDate(v['valid_from']);
    const to = normaliseDate(v['valid_to']);
    if (!from || !to) {
      rejected.push({ line, reason: 'valid_from/valid_to must be dates' });
      continue;
    }
    let max: number | null = null;
    if (v['max_records']) {
      max = Number(v['max_records']);
      if (!Number.isInteger(max) || max < 0) {
        rejected.push({ line, reason: `max_records is not a count: "${v['max_records']}"` });
        continue;
      }
    }
    approvals.push({
      approval_id: v['approval_id']!,
      operator_id: v['operator_id']!,
      kind,
      scope: v['scope'] ?? 'all',
      purpose: v['purpose'] ?? null,
      approved_by: v['approved_by'] ?? null,
      valid_from: from,
      valid_to: to,
      max_records: max,
    });
  }
  return { approvals, rejected };
}

/**
 * A record directory exported from the archive system (`archive_no, branch, secrecy_level`): for
 * archives whose records are not in Custodian's own customer table. Only rows that matter are
 * kept: `keepBranches` false keeps just the classified ones.
 */
export async function* readRecordsFile(file: string): AsyncGenerator<RecordEntry> {
  for await (const { values: v } of readTableFile(file, RECORD_HEADERS)) {
    if (!v['archive_no']) continue;
    yield {
      archive_no: v['archive_no'],
      branch: v['branch'] ?? null,
      secrecy_level: v['secrecy_level'] ?? '普通',
    };
  }
}
