import {
  type CopyBinaryType,
  CopyBinaryWriter,
  CUSTOMER_DATA_TYPES,
  type EncodeOptions,
  encodeCustomerRecord,
  type Keyring,
} from '@custodian/core';
import { findDuplicateGroups, takeFirstNonEmpty } from '../input/header-map.js';

/** Staging columns in COPY order, with their types: the customer columns, then batch, line and findings. */
const STAGING = { ...CUSTOMER_DATA_TYPES, batch_id: 'int4', line: 'int4', findings: 'jsonb' } as const;
export const STAGING_COLUMNS = Object.keys(STAGING) as readonly (keyof typeof STAGING)[];
const STAGING_TYPES: readonly CopyBinaryType[] = Object.values(STAGING);

export interface RowChunk {
  batchId: number;
  /** For each column of the file: its canonical field, or null for an extra column. */
  fields: (string | null)[];
  headers: string[];
  rows: { line: number; values: string[] }[];
}

export interface EncodedChunk {
  /** The staging rows in binary COPY format (`openCopyStream(…, { binary: true })`); owns its buffer. */
  copy: Uint8Array;
  rows: number;
  /** Findings counted by rule, for progress and the summary. */
  findings: Record<string, number>;
}

/** Reused from chunk to chunk (encoding is synchronous): its buffer grows once, to a chunk's size. */
const writer = new CopyBinaryWriter(STAGING_TYPES);

/**
 * Encodes a chunk of parsed rows into staging rows in binary COPY format: mapping to canonical
 * fields, validation, encryption, blind indexes, masking. Runs in a worker thread or, with no
 * workers, inline.
 */
export function encodeChunk(keyring: Keyring, chunk: RowChunk, opts: EncodeOptions): EncodedChunk {
  const copy = writer;
  copy.clear();
  const findings: Record<string, number> = {};
  // Every row has the chunk's fields: each record is a copy of one blank record (one small
  // allocation with a shared hidden class, where adding two dozen fields one by one makes a
  // hash table in V8).
  const fields: Record<string, string | undefined> = {};
  for (const field of chunk.fields) if (field) fields[field] = '';
  const blank = { ...fields };
  // Columns that map to one field (手机号码 and 联系电话): a row takes the first non-empty of them.
  const duplicated = findDuplicateGroups(chunk.fields);
  for (const row of chunk.rows) {
    const record: Record<string, string | undefined> = { ...blank };
    const extra: Record<string, string> = {};
    const values = takeFirstNonEmpty(duplicated, row.values);
    for (let i = 0; i < chunk.fields.length; i++) {
      const field = chunk.fields[i];
      const value = values[i] ?? '';
      if (field) record[field] = value;
      else if (value !== '') extra[chunk.headers[i] ?? `#${i + 1}`] = value;
    }
    const encoded = encodeCustomerRecord(keyring, record, extra, opts);
    for (const f of encoded.findings) findings[f.rule] = (findings[f.rule] ?? 0) + 1;
    // The staging row: the customer columns, batch, line, findings (STAGING_COLUMNS).
    copy.values(encoded.columns);
    copy.value(chunk.batchId);
    copy.value(row.line);
    copy.value(encoded.findings.length === 0 ? '[]' : JSON.stringify(encoded.findings));
    copy.endRow();
  }
  return { copy: copy.toBytes(), rows: chunk.rows.length, findings };
}
