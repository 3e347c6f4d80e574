import { hash } from 'node:crypto';
import {
  type Finding,
  maskAddress,
  maskBankAccount,
  maskIdNumber,
  maskName,
  maskPhone,
  nfkc,
  type Profile,
  parseDate,
  validateRecord,
} from '@custodian/validators';
import { blindIndex, normalizeText } from '../crypto/blind-index.js';
import { encryptJson } from '../crypto/cipher.js';
import { hmacSha256Hex } from '../crypto/hmac-sha256.js';
import type { Keyring } from '../crypto/keyring.js';
import type { CopyValue } from '../storage/bulk-copy.js';

/**
 * Turns one customer record (canonical field names, trimmed strings) into what the archive stores:
 * personal fields (and the insured's ID type) encrypted in one envelope, blind indexes of their normalised values, masked
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

/**
 * A field's value as the archive stores it (formats.md: full-width input is folded): NFKC-folded
 * and trimmed, an ID number's lower-case check character (`11010519491231002x`) in upper case;
 * undefined when that leaves nothing. The ingest stores every value so, and a reviewer's corrected
 * value is checked, masked and written in this form too.
 */
export function storedFieldValue(field: string, v: string | undefined): string | undefined {
  if (v === undefined || v === '') return undefined;
  const t = nfkc(v).trim();
  if (t === '') return undefined;
  return t.charCodeAt(t.length - 1) === 0x78 && field.endsWith('_id_number') ? `${t.slice(0, -1)}X` : t;
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
  const field = f.field ?? '';
  const value = f.field ? (record[f.field] ?? '') : '';
  const partyId = party ? (record[`${party}_id_number`] ?? '') : '';
  return hmacSha256Hex(
    keyring.indexKey,
    'fingerprint\0',
    `${recordId}\0${f.rule}\0${field}\0${value}\0${partyId}`,
    20,
  );
}

/**
 * The fields the archive stores in a normalised form, with their index in `columns` (the order of
 * CUSTOMER_DATA_COLUMNS): a gender as M/F, a date as YYYY-MM-DD, an absent secrecy level as 普通.
 * The content hash takes them in that form (see `contentHash`).
 */
const STORED_FORM_COLUMNS: ReadonlyMap<string, number> = new Map([
  ['sign_date', 8],
  ['secrecy_level', 10],
  ['holder_gender', 11],
  ['holder_birth_date', 12],
  ['insured_gender', 14],
  ['insured_birth_date', 15],
]);
const ROW_HASH_COLUMN = 30;

/**
 * The fields of the records of a file (every row has the same), those of the content hash, and
 * an object with each of them set to undefined. A record is a copy of that object: built by
 * adding two dozen fields one by one, it would be a hash table in V8 (slow to read, kilobytes of
 * garbage); a copy of a fast object is one small allocation with the same hidden class.
 */
interface RecordShape {
  /** The keys of the input records, in their order. */
  keys: readonly string[];
  /** The same, but for any that cannot be a field of a plain object (`__proto__`). */
  fields: readonly string[];
  /** The fields, and secrecy_level (stored with a default when absent), sorted: the content hash's. */
  hashKeys: readonly string[];
  /** For each of `hashKeys`, the index in `columns` of its stored form, or -1 (hashed as it is). */
  hashColumns: Int8Array;
  blank: Readonly<Record<string, string | undefined>>;
}

function makeShape(keys: readonly string[]): RecordShape {
  const blank: Record<string, string | undefined> = {};
  for (const k of keys) blank[k] = undefined;
  const fields = keys.filter((k) => Object.hasOwn(blank, k));
  const hashKeys = (fields.includes('secrecy_level') ? [...fields] : [...fields, 'secrecy_level']).sort();
  const hashColumns = Int8Array.from(hashKeys, (k) => STORED_FORM_COLUMNS.get(k) ?? -1);
  return { keys, fields, hashKeys, hashColumns, blank: { ...blank } };
}

let lastShape = makeShape([]);

/** The shape of records with these keys, in this order: the last one again, as a rule. */
function shapeOf(keys: readonly string[]): RecordShape {
  const last = lastShape.keys;
  if (keys.length === last.length) {
    let i = 0;
    while (i < keys.length && keys[i] === last[i]) i++;
    if (i === keys.length) return lastShape;
  }
  lastShape = makeShape(keys);
  return lastShape;
}

/** True when `o` has an own enumerable property, without listing them. */
function hasKeys(o: object): boolean {
  for (const k in o) if (Object.hasOwn(o, k)) return true;
  return false;
}

/**
 * Hash of a record's content as the archive stores it (fixed field order, NUL-separated):
 * unchanged rows are left alone. SHA-256 of `${key}\0${value}\0` for each field by sorted key,
 * `\u0001`, then the same for the extra columns, `\u0002` and the profile. An absent field is
 * left out, as if the record had no such key. The fields stored normalised (STORED_FORM_COLUMNS)
 * are hashed in their stored form, taken from `columns`: a file that writes 女 and 2026/11/01
 * and the record a verified correction rebuilt from the archive (F, 2026-11-01, secrecy level
 * 普通 when the file had none) are the same content, so that the file counts as unchanged and a
 * correction held on the record still applies. A value the archive cannot read (stored as absent)
 * is hashed as it is: the findings depend on it. The other fields are stored as they are hashed.
 * The profile is part of it because the findings depend on it: the same file ingested again under
 * another profile (after a run under the wrong one) checks every record again.
 *
 * Records hashed before the stored forms were (their file's text instead) count as updated once,
 * on the next file that carries them.
 */
function contentHash(
  shape: RecordShape,
  record: Readonly<Record<string, string | undefined>>,
  columns: readonly CopyValue[],
  extra: Readonly<Record<string, string>>,
  profile: string,
): Buffer {
  const keys = shape.hashKeys;
  const stored = shape.hashColumns;
  let text = '';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const c = stored[i]!;
    const v = c < 0 ? record[k] : ((columns[c] as string | null) ?? record[k]);
    if (v !== undefined) text += `${k}\0${v}\0`;
  }
  text += '\u0001';
  if (hasKeys(extra)) for (const k of Object.keys(extra).sort()) text += `${k}\0${extra[k]}\0`;
  text += `\u0002${profile}`;
  // 'binary' (latin1) then a Buffer: crypto.hash takes a slow path to recognise 'buffer'.
  return Buffer.from(hash('sha256', text, 'binary'), 'latin1');
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
  // The record's fields are those of `raw`; an absent value (undefined) is as good as no key
  // for the validators and for everything below.
  const shape = shapeOf(Object.keys(raw));
  const record: Record<string, string | undefined> = { ...shape.blank };
  for (const k of shape.fields) {
    const p = storedFieldValue(k, raw[k]);
    if (p !== undefined) record[k] = p;
  }
  const recordId = record.record_id ?? '';
  const result = validateRecord(record, { profile: opts.profile, today: opts.today });
  const n = result.normalized;
  const placeholder = result.findings.some(
    (f) => f.rule === 'PHONE_PLACEHOLDER' && f.field === 'holder_phone',
  );

  const pii: Record<string, unknown> = {};
  for (const f of PERSONAL_FIELDS) if (record[f] !== undefined) pii[f] = record[f];
  // The insured's ID type has no column (the holder's has): kept in the envelope, so that a
  // correction, which rebuilds the record from the archive, checks the insured's ID number
  // against it and hashes the record as a file carrying it does.
  if (record.insured_id_type !== undefined) pii.insured_id_type = record.insured_id_type;
  if (hasKeys(extra)) pii.extra = extra;

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
    null, // row_hash, of the columns above: set below
    signDate ? addYears(signDate, opts.retentionYears) : null,
    n.service_number_kind ?? null,
  ];
  columns[ROW_HASH_COLUMN] = contentHash(
    shape,
    record,
    columns,
    extra,
    typeof opts.profile === 'string' ? opts.profile : opts.profile.name,
  );
  const findings = result.findings.map((f) => ({
    ...f,
    fingerprint: fingerprintFinding(keyring, recordId, f, record),
  }));
  return { record_id: recordId, columns, findings };
}
