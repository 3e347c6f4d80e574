import {
  CUSTOMER_DATA_COLUMNS,
  type EncodeOptions,
  encodeCopyRow,
  encodeCustomerRecord,
  type Keyring,
} from '@custodian/core';

/** Staging columns in COPY order: the customer columns, then batch, line and findings. */
export const STAGING_COLUMNS = [...CUSTOMER_DATA_COLUMNS, 'batch_id', 'line', 'findings'] as const;

export interface RowChunk {
  batchId: number;
  /** For each column of the file: its canonical field, or null for an extra column. */
  fields: (string | null)[];
  headers: string[];
  rows: { line: number; values: string[] }[];
}

export interface EncodedChunk {
  /** COPY text of the staging rows. */
  copyText: string;
  rows: number;
  /** Findings counted by rule, for progress and the summary. */
  findings: Record<string, number>;
}

/**
 * Encodes a chunk of parsed rows into staging COPY text: mapping to canonical fields, validation,
 * encryption, blind indexes, masking. Runs in a worker thread or, with no workers, inline.
 */
export function encodeChunk(keyring: Keyring, chunk: RowChunk, opts: EncodeOptions): EncodedChunk {
  let copyText = '';
  const findings: Record<string, number> = {};
  for (const row of chunk.rows) {
    const record: Record<string, string | undefined> = {};
    const extra: Record<string, string> = {};
    for (let i = 0; i < chunk.fields.length; i++) {
      const field = chunk.fields[i];
      const value = row.values[i] ?? '';
      if (field) record[field] = value;
      else if (value !== '') extra[chunk.headers[i] ?? `#${i + 1}`] = value;
    }
    const encoded = encodeCustomerRecord(keyring, record, extra, opts);
    for (const f of encoded.findings) findings[f.rule] = (findings[f.rule] ?? 0) + 1;
    copyText += encodeCopyRow([
      ...encoded.columns,
      chunk.batchId,
      row.line,
      JSON.stringify(encoded.findings),
    ]);
  }
  return { copyText, rows: chunk.rows.length, findings };
}
