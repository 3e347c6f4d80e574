// Turns one block of customer records into file bytes: the CSV lines (UTF-8 or GB18030) and the
// answer-key lines. Used in-process and in worker threads alike, so both give identical files.
import iconv from 'iconv-lite';
import type { CsvEncoding } from './csv-writer.js';
import type { CustomerBlocks, CustomerRow } from './customers.js';
import { NEGATIVE_LABEL_RULES } from './defects.js';

export interface EncodedBlock {
  /** The block's CSV lines, encoded; no header, no BOM. */
  csv: Uint8Array;
  /** The block's answer-key lines (JSON Lines text). */
  labels: string;
  /** customers, labels, defectRecords and one count per label rule, for this block. */
  counts: Record<string, number>;
}

/**
 * One CSV line of a generated row, in CUSTOMER_COLUMNS order. Generated values never hold a comma,
 * a quote or a line break (they come from fixed tables, and resolveOptions rejects such an
 * idPrefix), so no field needs quoting; skipping the per-field check halves the cost of writing.
 * The test suite checks this against csvLine.
 */
export function customerLine(r: CustomerRow): string {
  return `${r.record_id},${r.archive_no},${r.customer_type},${r.customer_class},${r.holder_name},${r.holder_gender},${r.holder_birth_date},${r.holder_id_type},${r.holder_id_number},${r.holder_phone},${r.holder_address},${r.insured_name},${r.insured_gender},${r.insured_birth_date},${r.insured_id_type},${r.insured_id_number},${r.bank_account},${r.bank_account_name},${r.service_number},${r.agent_id},${r.channel},${r.branch},${r.contract_no},${r.sign_date},${r.consent},${r.secrecy_level}\n`;
}

const NEGATIVE = new Set<string>(NEGATIVE_LABEL_RULES);
const PIECE_BYTES = 1 << 20;

/** Generates and encodes block `k`. */
export function encodeBlock(blocks: CustomerBlocks, k: number, encoding: CsvEncoding): EncodedBlock {
  const counts: Record<string, number> = { customers: 0, labels: 0, defectRecords: 0 };
  let labels = '';
  const pieces: Buffer[] = [];
  let piece = Buffer.allocUnsafe(encoding === 'gb18030' ? 0 : PIECE_BYTES);
  let used = 0;
  let text = '';
  for (const { row, defects } of blocks.block(k)) {
    counts.customers!++;
    const line = customerLine(row);
    if (encoding === 'gb18030') {
      text += line;
    } else {
      // A UTF-16 code unit never takes more than 3 bytes in UTF-8.
      if (used + line.length * 3 > piece.length) {
        pieces.push(piece.subarray(0, used));
        piece = Buffer.allocUnsafe(Math.max(PIECE_BYTES, line.length * 3));
        used = 0;
      }
      used += piece.write(line, used, 'utf8');
    }
    if (defects.length === 0) continue;
    let flagged = false;
    for (const d of defects) {
      counts[d.rule] = (counts[d.rule] ?? 0) + 1;
      counts.labels!++;
      if (!NEGATIVE.has(d.rule)) flagged = true;
      labels += `${JSON.stringify(d)}\n`;
    }
    if (flagged) counts.defectRecords!++;
  }
  if (encoding === 'gb18030') return { csv: new Uint8Array(iconv.encode(text, 'gb18030')), labels, counts };
  pieces.push(piece.subarray(0, used));
  // One fresh ArrayBuffer, so a worker can transfer it instead of copying.
  const csv = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of pieces) {
    csv.set(p, offset);
    offset += p.length;
  }
  return { csv, labels, counts };
}
