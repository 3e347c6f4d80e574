import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * The typed shape of Custodian's tables. Personal data (names, ID numbers, phones, addresses,
 * bank accounts, service numbers, unknown extra columns) lives only in `pii` columns, encrypted
 * with AES-256-GCM (000 §5; 001 §3.2); equality look-ups go through `*_bidx` blind indexes
 * (keyed HMAC of the normalised value) and display uses the `*_masked` columns.
 */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** Dates are kept as ISO `YYYY-MM-DD` text so that both drivers return the same value (no time-zone shifts). */
type DateText = string;

export interface BatchTable {
  batch_id: Generated<number>;
  file_name: string;
  file_sha256: string;
  /**
   * The XLSX sheet read when one was named (`--sheet`); '' for CSV and for a workbook read
   * without `--sheet` (its first sheet). With file_sha256 and profile, the identity of a done batch (unique index
   * batches_done_identity): the same identity twice is ingested once.
   */
  sheet: Generated<string>;
  status: 'running' | 'done' | 'failed';
  /** Mandatory-field profile the file was checked under (insurance, telecom). */
  profile: string;
  ingested_on: DateText;
  rows_read: Generated<number>;
  rows_quarantined: Generated<number>;
  rows_flagged: Generated<number>;
  summary: ColumnType<unknown, string | undefined, string>;
  error: string | null;
  started_at: Timestamp;
  finished_at: Timestamp | null;
}

export interface CustomerTable {
  customer_id: Generated<number>;
  record_id: string;
  archive_no: string | null;
  customer_type: string | null;
  customer_class: string | null;
  channel: string | null;
  branch: string | null;
  agent_id: string | null;
  contract_no: string | null;
  sign_date: DateText | null;
  consent: string | null;
  secrecy_level: string;
  holder_gender: string | null;
  holder_birth_date: DateText | null;
  holder_id_type: string | null;
  insured_gender: string | null;
  insured_birth_date: DateText | null;
  /**
   * Encrypted JSON of every personal field, the insured's ID type (which has no column) and the
   * unknown extra columns.
   */
  pii: Uint8Array;
  holder_name_bidx: Uint8Array | null;
  holder_id_bidx: Uint8Array | null;
  holder_phone_bidx: Uint8Array | null;
  holder_address_bidx: Uint8Array | null;
  bank_account_bidx: Uint8Array | null;
  service_number_bidx: Uint8Array | null;
  insured_id_bidx: Uint8Array | null;
  holder_name_masked: string | null;
  holder_id_masked: string | null;
  holder_phone_masked: string | null;
  holder_address_masked: string | null;
  bank_account_masked: string | null;
  service_number_masked: string | null;
  /**
   * mobile, landline or iot: what the service number is, when its shape was recognised (migration
   * 0010). ID_LINE_LIMIT counts the mobile lines of an ID number.
   */
  service_number_kind: string | null;
  /** SHA-256 of the normalised row: a corrected file updates the record only when this changes. */
  row_hash: Uint8Array;
  first_batch_id: number;
  last_batch_id: number;
  retention_until: DateText | null;
  destroyed_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** Rows of the file being ingested; merged into `customers` in one transaction. */
export interface StagingCustomerTable
  extends Omit<
    CustomerTable,
    'customer_id' | 'created_at' | 'updated_at' | 'destroyed_at' | 'first_batch_id' | 'last_batch_id'
  > {
  batch_id: number;
  line: number;
  findings: ColumnType<unknown, string | undefined, string>;
}

export interface QuarantineTable {
  quarantine_id: Generated<number>;
  batch_id: number;
  file_name: string;
  line: number;
  column_name: string | null;
  reason: string;
  /** The raw row, encrypted: it may carry personal data. */
  raw: Uint8Array | null;
  created_at: Timestamp;
}

export const FLAG_STATUSES = ['open', 'assigned', 'resolved', 'closed'] as const;

export type FlagStatus = (typeof FLAG_STATUSES)[number];
export type FlagOutcome = 'corrected' | 'genuine' | 'false_info' | 'dismissed' | 'auto_corrected';

export interface FlagTable {
  flag_id: Generated<number>;
  /** SHA-256 of record + rule + the values concerned: the same finding is never raised twice. */
  fingerprint: string;
  rule: string;
  severity: 'error' | 'warning' | 'info';
  customer_id: number;
  record_id: string;
  archive_no: string | null;
  batch_id: number;
  related_record_ids: ColumnType<string[], string[] | undefined, string[]>;
  reason_zh: string;
  reason_en: string;
  masked_values: ColumnType<unknown, string | undefined, string>;
  status: FlagStatus;
  outcome: FlagOutcome | null;
  channel: string | null;
  branch: string | null;
  agent_id: string | null;
  assignee: string | null;
  /** Blind index of the value a cross-record finding is about (the shared phone, account, ID). */
  subject_bidx: Uint8Array | null;
  /** For `false_info`: the agent or agency the false information is attributed to (002 §3.22-23). */
  attributed_to: string | null;
  resolved_by: string | null;
  resolved_at: Timestamp | null;
  /**
   * For `corrected` awaiting verification: the corrected values, encrypted JSON (keyring), written
   * to the record only when compliance verifies (four eyes); null otherwise (migration 0009).
   */
  pending_correction: Uint8Array | null;
  listed_on: DateText;
  due_on: DateText;
  raised_at: Timestamp;
  closed_at: Timestamp | null;
  updated_at: Timestamp;
}

export interface FlagEventTable {
  event_id: Generated<number>;
  flag_id: number;
  at: Timestamp;
  actor: string;
  action:
    | 'raised'
    | 'reopened'
    | 'group_changed'
    | 'moved'
    | 'assigned'
    | 'resolved'
    | 'verified'
    | 'sent_back'
    | 'auto_closed'
    | 'note';
  detail: ColumnType<unknown, string | undefined, string>;
}

export interface AgentTable {
  agent_id: string;
  name_masked: string | null;
  pii: Uint8Array;
  phone_bidx: Uint8Array | null;
  address_bidx: Uint8Array | null;
  channel: string | null;
  branch: string | null;
  status: string | null;
  hired_on: DateText | null;
  updated_at: Timestamp;
}

export interface ComplaintTable {
  complaint_id: string;
  agent_id: string;
  received_on: DateText;
  category: string;
  verified: boolean;
}

export interface AuditTrailTable {
  seq: Generated<number>;
  at: Timestamp;
  actor: string;
  action: string;
  target_type: string;
  target_id: string | null;
  detail: ColumnType<unknown, string | undefined, string>;
  prev_hash: string;
  hash: string;
}

export interface JobRunTable {
  job: string;
  /** The period the run covers (a date for nightly jobs), so a missed one can be caught up. */
  run_key: string;
  status: 'running' | 'done' | 'failed';
  started_at: Timestamp;
  finished_at: Timestamp | null;
  detail: ColumnType<unknown, string | undefined, string>;
}

export interface KeyCheckTable {
  key_id: string;
  /** HMAC of a constant under the key: a wrong key is detected before it can write garbage. */
  check_value: string;
  created_at: Timestamp;
}

export interface DestructionTable {
  destruction_id: Generated<number>;
  customer_id: number;
  record_id: string;
  archive_no: string | null;
  destroyed_at: Timestamp;
  method: string;
  actor: string;
  reason: string | null;
}

export interface CoreTables {
  batches: BatchTable;
  customers: CustomerTable;
  staging_customers: StagingCustomerTable;
  quarantine: QuarantineTable;
  flags: FlagTable;
  flag_events: FlagEventTable;
  agents: AgentTable;
  complaints: ComplaintTable;
  audit_trail: AuditTrailTable;
  job_runs: JobRunTable;
  key_checks: KeyCheckTable;
  destructions: DestructionTable;
}

export type Batch = Selectable<BatchTable>;
export type Customer = Selectable<CustomerTable>;
export type NewCustomer = Insertable<CustomerTable>;
export type Flag = Selectable<FlagTable>;
export type NewFlag = Insertable<FlagTable>;
export type FlagUpdate = Updateable<FlagTable>;
export type FlagEvent = Selectable<FlagEventTable>;
export type AuditTrailRow = Selectable<AuditTrailTable>;
