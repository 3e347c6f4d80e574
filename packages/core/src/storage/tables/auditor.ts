import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/**
 * Tables of the access-log auditor (apps/auditor), created by migration 0002. Access events
 * themselves are never stored (millions a day): only the staff directory, the approval ledger,
 * anomalies with a bounded, masked evidence sample, their append-only history, per-operator daily
 * counts (the baselines of VOLUME_SPIKE), open loans, suppressions and daily risk scores.
 */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** `YYYY-MM-DD` text on both drivers (see core.ts). */
type DateText = string;
type Json = ColumnType<unknown, string | undefined, string>;

export type AnomalySeverity = 'error' | 'warning' | 'info';
export type AnomalyStatus = 'open' | 'confirmed' | 'false_positive' | 'waived';

/** Users of the archive system (formats.md "Staff directory"), as of the last directory loaded. */
export interface StaffTable {
  operator_id: string;
  /** Only the masked name is kept: the auditor never needs the clear one. */
  name_masked: string | null;
  department: string | null;
  branch: string | null;
  role: string | null;
  /** 普通 / 秘密 / 机密 / 绝密 (000; 003 §22). */
  clearance: string;
  /** active / transferred / left, effective from `status_since` (000 §3.3). */
  status: string;
  status_since: DateText | null;
  updated_at: Timestamp;
}

/** The approval ledger (formats.md "Approvals"; 000 "信息档案资料使用管理制度" §4-5; 003 §18). */
export interface ApprovalTable {
  approval_id: string;
  operator_id: string;
  /** query / export / print / borrow / share / delete. */
  kind: string;
  /** `a;b;c` archive numbers, `branch:<name>` or `all`. */
  scope: string;
  purpose: string | null;
  approved_by: string | null;
  valid_from: DateText;
  valid_to: DateText;
  max_records: number | null;
  /** Records already used under this approval by audited events (quota across nightly runs). */
  used_records: Generated<number>;
  updated_at: Timestamp;
}

export interface AnomalyTable {
  anomaly_id: Generated<number>;
  /** `operator|code|day`: one anomaly per operator, code and day (noise control). */
  group_key: string;
  code: string;
  severity: AnomalySeverity;
  operator_id: string;
  department: string | null;
  branch: string | null;
  day: DateText;
  first_ts: Timestamp;
  last_ts: Timestamp;
  event_count: number;
  archive_nos: ColumnType<string[], string[] | undefined, string[]>;
  score: number;
  reason_zh: string;
  reason_en: string;
  /** Bounded and masked: sub-reasons with counts, thresholds used, first events. */
  evidence: Json;
  status: AnomalyStatus;
  waived_until: DateText | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** Append-only history of an anomaly: raised, merged, suppressed, dispositions (001 §4). */
export interface AnomalyEventTable {
  event_id: Generated<number>;
  anomaly_id: number;
  at: Timestamp;
  actor: string;
  action: string;
  detail: Json;
}

/** A confirmed false positive or a waiver: repeats of (operator, code) are suppressed until `until`. */
export interface AnomalySuppressionTable {
  suppression_id: Generated<number>;
  operator_id: string;
  code: string;
  kind: 'false_positive' | 'waived';
  until: DateText;
  anomaly_id: number;
  actor: string;
  note: string | null;
  created_at: Timestamp;
}

/** Per-operator daily activity: the history of the own-baseline of VOLUME_SPIKE, grown by each run. */
export interface OperatorDailyTable {
  operator_id: string;
  day: DateText;
  events: number;
  records: number;
}

/** Borrowed material not yet returned (003 §19: back within three days), carried across runs. */
export interface OpenLoanTable {
  loan_id: Generated<number>;
  operator_id: string;
  archive_no: string;
  borrowed_at: Timestamp;
  approval_id: string | null;
  /** LOAN_OVERDUE already raised for this loan: a later run does not raise it again. */
  overdue_raised: Generated<boolean>;
}

/** Sum of a day's anomaly scores per operator: reviewers see the riskiest people first. */
export interface OperatorRiskTable {
  operator_id: string;
  day: DateText;
  score: number;
  anomaly_count: number;
}

/** Log files already audited (by content fingerprint): re-running a file does not double-count. */
export interface AuditedInputTable {
  fingerprint: string;
  file_name: string;
  events: number;
  audited_at: Timestamp;
}

/** Small key/value state of the auditor (e.g. the last audit-trail row already audited). */
export interface AuditorStateTable {
  key: string;
  value: string;
  updated_at: Timestamp;
}

export interface AuditorTables {
  staff: StaffTable;
  approvals: ApprovalTable;
  anomalies: AnomalyTable;
  anomaly_events: AnomalyEventTable;
  anomaly_suppressions: AnomalySuppressionTable;
  operator_daily: OperatorDailyTable;
  open_loans: OpenLoanTable;
  operator_risk: OperatorRiskTable;
  audited_inputs: AuditedInputTable;
  auditor_state: AuditorStateTable;
}

export type Anomaly = Selectable<AnomalyTable>;
export type NewAnomaly = Insertable<AnomalyTable>;
export type AnomalyEvent = Selectable<AnomalyEventTable>;
export type StaffRow = Selectable<StaffTable>;
export type ApprovalRow = Selectable<ApprovalTable>;
