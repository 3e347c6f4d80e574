import { type EncodeOptions, encryptJson, type Keyring } from '@custodian/core';
import { type CsvBlock, parseCsvText } from '../input/csv-blocks.js';
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
  /** COPY text (UTF-8) of the staging rows; owns its ArrayBuffer, so it can be transferred. */
  copy: Uint8Array;
  rowsRead: number;
  bad: BadRow[];
  findings: Record<string, number>;
}

/**
 * Parses a block of CSV and encodes its good rows for staging; malformed rows and rows without a
 * record_id come back for quarantine. Runs on an encoder thread or, with no workers, inline.
 */
export function encodeCsvBlock(keyring: Keyring, job: CsvBlockJob, opts: EncodeOptions): EncodedCsvBlock {
  const text = new TextDecoder(job.block.encoding, { fatal: false }).decode(job.block.bytes);
  const rows = parseCsvText(text, job.block.firstLine, job.headers.length, job.headers, job.encoding);
  const chunk: RowChunk = { batchId: job.batchId, fields: job.fields, headers: job.headers, rows: [] };
  const bad: BadRow[] = [];
  const quarantine = (line: number, column: string | null, reason: string, raw: string) =>
    bad.push({ line, column, reason, raw: raw ? new Uint8Array(encryptJson(keyring, raw)) : null });
  for (const row of rows) {
    if (row.kind === 'bad') quarantine(row.line, row.column, row.reason, row.raw);
    else if ((row.values[job.recordIdCol] ?? '').trim() === '') {
      quarantine(
        row.line,
        job.headers[job.recordIdCol] ?? 'record_id',
        'record_id is empty: the row cannot be identified',
        row.values.join(','),
      );
    } else chunk.rows.push({ line: row.line, values: row.values });
  }
  const encoded = encodeChunk(keyring, chunk, opts);
  return {
    copy: new TextEncoder().encode(encoded.copyText),
    rowsRead: rows.length,
    bad,
    findings: encoded.findings,
  };
}
