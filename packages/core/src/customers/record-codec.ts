import { createHash, createHmac } from 'node:crypto';
import {
  type Finding,
  maskAddress,
  maskBankAccount,
  maskIdNumber,
  maskName,
  maskPhone,
  type Profile,
  parseDate,
  validateRecord,
} from '@custodian/validators';
import { blindIndex, normalizeText } from '../crypto/blind-index.js';
import { encryptJson } from '../crypto/cipher.js';
import type { Keyring } from '../crypto/keyring.js';
import type { CopyValue } from '../storage/bulk-copy.js';

/**
 * Turns one customer record (canonical field names, trimmed strings) into what the archive stores:
 * personal fields encrypted in one envelope, blind indexes of their normalised values, masked
 * values for display, plain business fields, the single-record findings with their fingerprints,
 * and a hash of the content. Pure CPU work, so the ingest runs it in worker threads.
 */
export const PERSONAL_FIELDS = [
  'holder_name',
  'holder_id_number',
  'holder_phone',
  'holder_address',
  'insured_name',
  'insured_id_number',
  'bank_account',
  'bank_account_name',
  'service_number',
] as const;

export interface StoredFinding extends Finding {
  /** Keyed hash of record + rule + field + the values concerned: stable across nights. */
  fingerprint: string;
}

export interface EncodedRecord {
  record_id: string;
  /** Values in the order of CUSTOMER_DATA_COLUMNS (see batches/merge-batch.ts). */
  columns: CopyValue[];
  findings: StoredFinding[];
}

export interface EncodeOptions {
  profile: Profile | string;
  today: string;
  retentionYears: number;
}

function present(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const t = v.normalize('NFKC').trim();
  return t === '' ? undefined : t;
}

function addYears(date: string, years: number): string {
  const y = Number(date.slice(0, 4)) + years;
  const md = date.slice(5);
  return `${String(y).padStart(4, '0')}-${md === '02-29' ? '02-28' : md}`;
}

/** The party of a field (`holder_gender` → `holder`), whose ID number is part of the values concerned. */
function partyOf(field: string | undefined): string | undefined {
  if (!field) return undefined;
  if (field.startsWith('holder_')) return 'holder';
  if (field.startsWith('insured_')) return 'insured';
  return undefined;
}

export function fingerprintFinding(
  keyring: Keyring,
  recordId: string,
  f: Finding,
  record: Readonly<Record<string, string | undefined>>,
): string {
  const party = partyOf(f.field);
  const values = [f.field ? (record[f.field] ?? '') : '', party ? (record[`${party}_id_number`] ?? '') : ''];
  return createHmac('sha256', keyring.indexKey)
    .update(`fingerprint\0${recordId}\0${f.rule}\0${f.field ?? ''}\0${values.join('\0')}`)
    .digest('hex')
    .slice(0, 40);
}

/** Hash of a record's content (fixed field order, NUL-separated): unchanged rows are left alone. */
function contentHash(
  record: Readonly<Record<string, string | undefined>>,
  extra: Readonly<Record<string, string>>,
): Buffer {
  let text = '';
  for (const k of Object.keys(record).sort()) text += `${k}\0${record[k] ?? ''}\0`;
  text += '\u0001';
  for (const k of Object.keys(extra).sort()) text += `${k}\0${extra[k]}\0`;
  return createHash('sha256').update(text).digest();
}

/**
 * Encodes a record. `record` holds canonical fields; `extra` the unknown columns of the file
 * (kept, encrypted: they may hold personal data). Never throws on bad data: an unreadable date
 * is stored as absent and reported by the validators.
 */
export function encodeCustomerRecord(
  keyring: Keyring,
  raw: Readonly<Record<string, string | undefined>>,
  extra: Readonly<Record<string, string>>,
  opts: EncodeOptions,
): EncodedRecord {
  const record: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(raw)) {
    const p = present(v);
    if (p !== undefined) record[k] = k.endsWith('_id_number') ? p.replace(/x$/, 'X') : p;
  }
  const recordId = record.record_id ?? '';
  const result = validateRecord(record, { profile: opts.profile, today: opts.today });
  const n = result.normalized;
  const placeholder = result.findings.some(
    (f) => f.rule === 'PHONE_PLACEHOLDER' && f.field === 'holder_phone',
  );

  const pii: Record<string, unknown> = {};
  for (const f of PERSONAL_FIELDS) if (record[f] !== undefined) pii[f] = record[f];
  if (Object.keys(extra).length > 0) pii.extra = extra;

  const signDate = n.sign_date ?? parseDate(record.sign_date) ?? null;
  const holderId = n.holder_id_number ?? record.holder_id_number;
  const holderPhone = n.holder_phone ?? record.holder_phone;
  const bank = n.bank_account ?? record.bank_account;
  const service = n.service_number ?? record.service_number;
  const columns: CopyValue[] = [
    recordId,
    record.archive_no ?? null,
    record.customer_type ?? null,
    record.customer_class ?? null,
    record.channel ?? null,
    record.branch ?? null,
    record.agent_id ?? null,
    record.contract_no ?? null,
    signDate,
    record.consent ?? null,
    record.secrecy_level ?? '普通',
    n.holder_gender ?? null,
    n.holder_birth_date ?? null,
    record.holder_id_type ?? null,
    n.insured_gender ?? null,
    n.insured_birth_date ?? null,
    encryptJson(keyring, pii),
    blindIndex(
      keyring,
      'name',
      n.holder_name ?? (record.holder_name ? normalizeText(record.holder_name) : null),
    ),
    blindIndex(keyring, 'id', holderId),
    // A placeholder number is shared by construction: it is flagged as such, not as a duplicate.
    placeholder ? null : blindIndex(keyring, 'phone', holderPhone),
    blindIndex(keyring, 'address', record.holder_address ? normalizeText(record.holder_address) : null),
    blindIndex(keyring, 'bank', bank),
    blindIndex(keyring, 'service', service),
    blindIndex(keyring, 'id', n.insured_id_number ?? record.insured_id_number),
    record.holder_name ? maskName(record.holder_name) : null,
    holderId ? maskIdNumber(holderId) : null,
    holderPhone ? maskPhone(holderPhone) : null,
    record.holder_address ? maskAddress(record.holder_address) : null,
    bank ? maskBankAccount(bank) : null,
    service ? maskPhone(service) : null,
    contentHash(record, extra),
    signDate ? addYears(signDate, opts.retentionYears) : null,
  ];
  const findings = result.findings.map((f) => ({
    ...f,
    fingerprint: fingerprintFinding(keyring, recordId, f, record),
  }));
  return { record_id: recordId, columns, findings };
}
