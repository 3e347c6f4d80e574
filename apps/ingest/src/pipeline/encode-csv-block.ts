import { type EncodeOptions, encryptJson, type Keyring } from '@custodian/core';
import { type CsvBlock, type ParsedCsvRow, parseCsvText } from '../input/csv-blocks.js';
import { encodeChunk, type RowChunk } from './encode-rows.js';

/** A block of a CSV file to parse and encode on an encoder thread. */
export interface CsvBlockJob {
  block: CsvBlock;
  batchId: number;
  fields: (string | null)[];
  headers: string[];
  /** The file's encoding as detected (for the reason given for undecodable bytes). */
  encoding: string;
  recordIdCol: number;
}

/** A row kept in quarantine: where, why, and the raw text encrypted (it may hold personal data). */
export interface BadRow {
  line: number;
  column: string | null;
  reason: string;
  raw: Uint8Array | null;
}

export interface EncodedCsvBlock {
  /** The staging rows in binary COPY format; owns its ArrayBuffer, so it can be transferred. */
  copy: Uint8Array;
  rowsRead: number;
  bad: BadRow[];
  findings: Record<string, number>;
}

/**
 * Where a parsed row goes instead of staging, if anywhere: a malformed row, or one without a
 * record_id (it cannot be identified), is quarantined with its raw text encrypted (it may hold
 * personal data). Undefined for a row to encode.
 */
export function quarantineEntry(
  keyring: Keyring,
  row: ParsedCsvRow,
  headers: readonly string[],
  recordIdCol: number,
): BadRow | undefined {
  const seal = (raw: string) => (raw ? new Uint8Array(encryptJson(keyring, raw)) : null);
  if (row.kind === 'bad')
    return { line: row.line, column: row.column, reason: row.reason, raw: seal(row.raw) };
  if ((row.values[recordIdCol] ?? '').trim() !== '') return undefined;
  return {
    line: row.line,
    column: headers[recordIdCol] ?? 'record_id',
    reason: 'record_id is empty: the row cannot be identified',
    raw: seal(row.values.join(',')),
  };
}

/**
 * Parses a block of CSV and encodes its good rows for staging; malformed rows and rows without a
 * record_id come back for quarantine. Runs on an encoder thread or, with no workers, inline.
 */
export function encodeCsvBlock(keyring: Keyring, job: CsvBlockJob, opts: EncodeOptions): EncodedCsvBlock {
  const text = new TextDecoder(job.block.encoding, { fatal: false }).decode(job.block.bytes);
  const rows = parseCsvText(
    text,
    job.block.firstLine,
    job.headers.length,
    job.headers,
    job.encoding,
    job.block.delimiter,
  );
  const chunk: RowChunk = { batchId: job.batchId, fields: job.fields, headers: job.headers, rows: [] };
  const bad: BadRow[] = [];
  for (const row of rows) {
    const entry = quarantineEntry(keyring, row, job.headers, job.recordIdCol);
    if (entry) bad.push(entry);
    else if (row.kind === 'row') chunk.rows.push({ line: row.line, values: row.values });
  }
  const encoded = encodeChunk(keyring, chunk, opts);
  return {
    copy: encoded.copy,
    rowsRead: rows.length,
    bad,
    findings: encoded.findings,
  };
}
