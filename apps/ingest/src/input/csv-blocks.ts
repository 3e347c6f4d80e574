import { open } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';

/**
 * CSV in blocks, so that parsing runs on the encoder threads next to validation and encryption
 * instead of on the main thread (csv-parse alone costs ~30 µs a row: half a minute per million).
 *
 * The main thread only cuts the file's bytes into blocks that end on a record boundary: a line
 * feed outside double quotes. Scanning bytes is safe for UTF-8 and GB18030, where the bytes of a
 * quote (0x22) and a line feed (0x0A) never occur inside a multi-byte character; UTF-16 input is
 * transcoded to UTF-8 first. Each block carries the line number of its first line, so every row
 * keeps the line a person sees in an editor.
 *
 * The rows of a block are split by `parseCsvText`: a line without any double quote is split on
 * commas (exactly what RFC 4180 and csv-parse make of it), and every line with quotes, together
 * with the lines its quoted fields span, is handed to csv-parse with the options the ingest has
 * always used, so quoting and its errors are csv-parse's. A line feed outside quotes always ends
 * a record, with or without a CR before it: a file that mixes CRLF and LF is read line by line.
 */
export interface CsvBlock {
  /** UTF-8 or GB18030 bytes (as `encoding` says), ending with a complete record; owns its ArrayBuffer. */
  bytes: Uint8Array;
  encoding: 'utf-8' | 'gb18030';
  /** Line number of the block's first line in the file (header = line 1). */
  firstLine: number;
}

export type ParsedCsvRow =
  | { kind: 'row'; line: number; values: string[] }
  | { kind: 'bad'; line: number; column: string | null; reason: string; raw: string };

const QUOTE = 0x22;
const LF = 0x0a;
/**
 * A quoted field longer than this is taken for a quote that was never closed: the block is cut at
 * a line feed anyway, and csv-parse reports the unclosed quote (instead of the reader holding the
 * rest of the file in memory).
 */
const MAX_QUOTED_BYTES = 8 * 1024 * 1024;
const REPLACEMENT = '\uFFFD';

/** Where a block may end, found by one pass over the bytes. */
interface ScanState {
  inQuotes: boolean;
  /** Line feeds seen. */
  lines: number;
  /** Last line feed outside quotes, and the line feeds up to and including it. */
  cut: number;
  linesToCut: number;
  /** Last line feed of any kind (for a quote that never closes). */
  lastLf: number;
  linesToLastLf: number;
}

function freshScan(): ScanState {
  return { inQuotes: false, lines: 0, cut: -1, linesToCut: 0, lastLf: -1, linesToLastLf: 0 };
}

function scan(bytes: Uint8Array, from: number, s: ScanState): void {
  for (let i = from; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === QUOTE) s.inQuotes = !s.inQuotes;
    else if (b === LF) {
      s.lines++;
      s.lastLf = i;
      s.linesToLastLf = s.lines;
      if (!s.inQuotes) {
        s.cut = i;
        s.linesToCut = s.lines;
      }
    }
  }
}

/**
 * Reads `file` from byte `start` (after the BOM and the header) in blocks of about `blockBytes`,
 * each ending on a record boundary. Memory: about two blocks.
 */
export async function* readCsvBlocks(
  file: string,
  opts: {
    start: number;
    firstLine: number;
    encoding: 'utf-8' | 'gb18030' | 'utf-16le' | 'utf-16be';
    blockBytes?: number;
  },
): AsyncGenerator<CsvBlock> {
  const blockBytes = opts.blockBytes ?? 1024 * 1024;
  const utf16 = opts.encoding === 'utf-16le' || opts.encoding === 'utf-16be';
  const encoding = utf16 ? 'utf-8' : (opts.encoding as 'utf-8' | 'gb18030');
  const transcoder = utf16 ? new TextDecoder(opts.encoding, { fatal: false }) : undefined;
  const encoder = new TextEncoder();
  const fh = await open(file, 'r');
  try {
    let position = opts.start;
    let firstLine = opts.firstLine;
    let pending = new Uint8Array(0);
    let state = freshScan();
    for (;;) {
      const buf = Buffer.allocUnsafe(blockBytes);
      const { bytesRead } = await fh.read(buf, 0, blockBytes, position);
      position += bytesRead;
      const eof = bytesRead === 0;
      let data: Uint8Array = buf.subarray(0, bytesRead);
      if (transcoder)
        data = encoder.encode(eof ? transcoder.decode() : transcoder.decode(data, { stream: true }));
      if (data.length > 0) {
        const joined = new Uint8Array(pending.length + data.length);
        joined.set(pending, 0);
        joined.set(data, pending.length);
        const from = pending.length;
        pending = joined;
        scan(pending, from, state);
      }
      if (eof) {
        if (pending.length > 0) yield { bytes: pending, encoding, firstLine };
        return;
      }
      let at = -1;
      let atLines = 0;
      if (state.cut >= 0 && pending.length >= blockBytes) {
        at = state.cut;
        atLines = state.linesToCut;
      } else if (state.cut < 0 && state.inQuotes && pending.length > MAX_QUOTED_BYTES && state.lastLf >= 0) {
        at = state.lastLf;
        atLines = state.linesToLastLf;
      }
      if (at < 0) continue;
      // Copies: the block goes to another thread with a buffer of its own.
      yield { bytes: pending.slice(0, at + 1), encoding, firstLine };
      firstLine += atLines;
      pending = pending.slice(at + 1);
      // What is left starts just after a record boundary, outside quotes.
      state = freshScan();
      scan(pending, 0, state);
    }
  } finally {
    await fh.close();
  }
}

/**
 * One record whose fields hold quotes (its lines end at the first line feed outside quotes, so it
 * is normally one record), read by csv-parse with the options the ingest has always used:
 * malformed input is quarantined, not fatal. Its line is the segment's first line (csv-parse's own
 * line count takes the CR of a quoted CRLF for a line of its own).
 */
function quotedSegmentRows(
  text: string,
  firstLine: number,
  width: number,
  headers: readonly string[],
  encoding: string,
  out: ParsedCsvRow[],
): void {
  const raw = text.replace(/\r?\n$/, '');
  let consumed = 0;
  parse(text, {
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_record: (record: string[], context) => {
      out.push(checkRow(record, firstLine + consumed, width, headers, encoding, raw));
      consumed = context.lines;
      return null;
    },
    on_skip: (err) => {
      const e = err as (Error & { lines?: number; code?: string }) | undefined;
      const end = e?.lines ?? consumed + 1;
      out.push({
        kind: 'bad',
        line: firstLine + consumed,
        column: null,
        reason: `malformed CSV (${e?.code ?? 'error'}${end > consumed + 1 ? `, through line ${firstLine - 1 + end}` : ''}): ${e?.message ?? 'unparseable row'}`,
        raw,
      });
      consumed = end;
      return undefined;
    },
  });
}

function checkRow(
  values: string[],
  line: number,
  width: number,
  headers: readonly string[],
  encoding: string,
  raw: string,
): ParsedCsvRow {
  if (values.length !== width) {
    return {
      kind: 'bad',
      line,
      column: null,
      reason: `expected ${width} columns, found ${values.length}`,
      raw,
    };
  }
  for (let i = 0; i < values.length; i++) {
    if (values[i]!.includes(REPLACEMENT)) {
      return {
        kind: 'bad',
        line,
        column: headers[i] ?? `#${i + 1}`,
        reason: `bytes that are not valid ${encoding} text`,
        raw,
      };
    }
  }
  return { kind: 'row', line, values };
}

/** Quotes in a line, modulo 2. */
function oddQuotes(line: string): boolean {
  let odd = false;
  for (let i = line.indexOf('"'); i >= 0; i = line.indexOf('"', i + 1)) odd = !odd;
  return odd;
}

/**
 * Splits decoded CSV text (whole records; its first line is line `firstLine` of the file) into
 * rows: good rows with their values, malformed ones with line, column and reason for quarantine.
 * The text is split into lines once: looking for the next quote from every line's start instead
 * scanned the rest of a quote-free block each time (10 times the cost of the splitting itself).
 */
export function parseCsvText(
  text: string,
  firstLine: number,
  width: number,
  headers: readonly string[],
  encoding: string,
): ParsedCsvRow[] {
  const out: ParsedCsvRow[] = [];
  const lines = text.split('\n');
  // A final line feed ends the last line; it does not start another.
  const count = text.endsWith('\n') ? lines.length - 1 : lines.length;
  let i = 0;
  while (i < count) {
    const l = lines[i]!;
    if (!l.includes('"')) {
      const raw = l.charCodeAt(l.length - 1) === 13 ? l.slice(0, -1) : l;
      if (raw.length > 0) out.push(checkRow(raw.split(','), firstLine + i, width, headers, encoding, raw));
      i++;
      continue;
    }
    // Quoted fields: take lines until the quotes balance (or the text ends), and let csv-parse read them.
    let j = i;
    let odd = oddQuotes(l);
    while (odd && j + 1 < count) {
      j++;
      if (oddQuotes(lines[j]!)) odd = false;
    }
    const segment = lines.slice(i, j + 1).join('\n') + (j < lines.length - 1 ? '\n' : '');
    quotedSegmentRows(segment, firstLine + i, width, headers, encoding, out);
    i = j + 1;
  }
  return out;
}

/**
 * The header record at the start of a sample of the file (after any BOM): its fields, the byte
 * offset (from the start of the sample) where the data begins, and the line number of the first
 * data line. Empty lines before the header are skipped, as csv-parse skips them.
 */
export function parseCsvHeader(
  sample: Uint8Array,
  encoding: string,
): { headers: string[]; dataStart: number; dataLine: number } {
  const utf16 = encoding === 'utf-16le' || encoding === 'utf-16be';
  // UTF-16: find the header in the text; every UTF-16 code unit is two bytes.
  const text = new TextDecoder(encoding, { fatal: false }).decode(sample);
  let start = 0;
  let line = 1;
  for (;;) {
    const lf = text.indexOf('\n', start);
    const stop = lf < 0 ? text.length : lf;
    const blank = text.slice(start, stop).replace(/\r$/, '') === '';
    if (!blank || lf < 0) break;
    start = lf + 1;
    line++;
  }
  let end = -1;
  let inQuotes = false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) inQuotes = !inQuotes;
    else if (c === LF) {
      line++;
      if (!inQuotes) {
        end = i;
        break;
      }
    }
  }
  const headerText = text.slice(start, end >= 0 ? end + 1 : text.length);
  if (end < 0 && headerText.includes('\r')) {
    throw new Error(
      'lines end with a bare carriage return (classic Mac OS): save the file with CRLF or LF line ends',
    );
  }
  const rows = parse(headerText, { relax_column_count: true, skip_empty_lines: true }) as string[][];
  let dataStart = sample.length;
  if (end >= 0) {
    // Bytes of everything up to the header's line feed: the quote and line feed are single bytes
    // in UTF-8 and GB18030, so counting in the bytes gives the same place.
    if (utf16) dataStart = (end + 1) * 2;
    else {
      let lfs = 0;
      const want = line - 1;
      for (let i = 0; i < sample.length; i++) {
        if (sample[i] === LF && ++lfs === want) {
          dataStart = i + 1;
          break;
        }
      }
    }
  }
  return { headers: (rows[0] ?? []).map((h) => h.trim()), dataStart, dataLine: line };
}
