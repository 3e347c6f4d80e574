import { open } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';

/**
 * CSV in blocks, so that parsing runs on the encoder threads next to validation and encryption
 * instead of on the main thread (csv-parse alone costs ~30 µs a row: half a minute per million).
 *
 * The main thread only cuts the file's bytes into blocks that end on a record boundary: a line
 * feed outside double quotes. Scanning bytes is safe for UTF-8 and GB18030, where the bytes of a
 * quote (0x22), a comma, a CR and a line feed (0x0A) never occur inside a multi-byte character;
 * UTF-16 input is transcoded to UTF-8 first. Each block carries the line number of its first line,
 * so every row keeps the line a person sees in an editor.
 *
 * The rows of a block are split by `parseCsvText`: a line without any double quote is split on
 * the delimiter (exactly what RFC 4180 and csv-parse make of it); a record with quotes is delimited by
 * `findRecordEnd` and its fields read by csv-parse. Broken quoting costs one line (issue: "a
 * malformed row ... is kept in quarantine ... and the rest of the file goes on"): the splitter and
 * the parser apply the same rule (`findRecordEnd`), so every line of the file is accounted for
 * once, as a row, inside a multi-line row, as a quarantined row or as a blank line, and the rows
 * do not depend on where blocks are cut. A line feed outside quotes always ends a record, with or
 * without a CR before it: a file that mixes CRLF and LF is read line by line.
 *
 * The delimiter is a comma, a tab, a semicolon or a pipe, as the header line says
 * (`detectDelimiter`): business systems and Excel's "Unicode text" export (UTF-16LE with a BOM)
 * write tab-separated text, Excel in a European locale writes its "CSV" with semicolons, and some
 * business systems export pipe-separated text, all quoted as CSV is. A comma, a tab and a semicolon
 * are bytes that never occur inside a multi-byte character of UTF-8 or GB18030; a pipe (0x7C) can
 * be the second byte of a GB18030 character, so scanning GB18030 bytes steps over whole characters
 * (`findRecordEnd`'s `gb18030`). The rows themselves are split in decoded text.
 */
export type CsvDelimiter = ',' | '\t' | ';' | '|';

export interface CsvBlock {
  /** UTF-8 or GB18030 bytes (as `encoding` says), ending with a complete record; owns its ArrayBuffer. */
  bytes: Uint8Array;
  encoding: 'utf-8' | 'gb18030';
  /** Line number of the block's first line in the file (header = line 1). */
  firstLine: number;
  /** The file's delimiter (from its header line): the encoder thread splits the block on it. */
  delimiter: CsvDelimiter;
}

export type ParsedCsvRow =
  | { kind: 'row'; line: number; values: string[] }
  | { kind: 'bad'; line: number; column: string | null; reason: string; raw: string };

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
/** The delimiters `detectDelimiter` tells apart, in the order it prefers them on a tie. */
const DELIMITERS: readonly CsvDelimiter[] = [',', '\t', ';', '|'];
/**
 * A quoted field spanning more bytes than this is taken for a quote that was never closed: the
 * line that opened it is quarantined and reading resumes on the next line (instead of the reader
 * holding the rest of the file in memory, or one block swallowing it). Counted by the splitter
 * only: a block is far smaller, so the parser never meets such a field whole.
 */
const MAX_QUOTED_BYTES = 8 * 1024 * 1024;
/**
 * Likewise a quoted field spanning more line feeds than this: a cell of a customer record (an
 * address, a note) spans a few lines, while a quote left open runs on until the next stray quote,
 * maybe the end of the file. Counted by the splitter and the parser alike, so a block never waits
 * more than this many lines past its size, and the rows do not depend on where blocks are cut.
 */
const MAX_QUOTED_LINES = 100;
const REPLACEMENT = '\uFFFD';
/**
 * Added to the reason of a quarantined last line of a file that does not end with a line break:
 * exports end their last row with one, so such a row was most likely cut (a file picked up while
 * it was still being written or uploaded), and the operator should look at the file, not the row.
 */
const CUT_SHORT =
  'the file does not end with a line break: was it cut short (an upload or export still in progress)?';

/**
 * What is wrong with a malformed record, in words: never the field's value (it may be an ID
 * number or a name, and reasons are printed and stored in clear). The codes are csv-parse's, so
 * that reasons stored before and after read alike.
 */
export type CsvProblem =
  | 'INVALID_OPENING_QUOTE'
  | 'CSV_INVALID_CLOSING_QUOTE'
  | 'CSV_QUOTE_NOT_CLOSED'
  | 'CSV_ERROR';

function describeProblem(code: CsvProblem, width: number): string {
  const what: Record<CsvProblem, string> = {
    INVALID_OPENING_QUOTE:
      'a double quote inside a field that does not start with one (quote the whole field and double the inner quote)',
    CSV_INVALID_CLOSING_QUOTE: 'text after the closing quote of a quoted field',
    CSV_QUOTE_NOT_CLOSED:
      width > 0
        ? `a quoted field is not closed on this line, and the lines after it do not complete a row of ${width} columns`
        : 'a quoted field is not closed on this line',
    CSV_ERROR: 'unreadable quoting',
  };
  return `malformed CSV (${code}): ${what[code]}`;
}

/** Where a record ends, and whether it is malformed (see `findRecordEnd`). */
interface RecordEnd {
  /** Index of the line feed ending the record, or `limit` when the data ends without one. */
  end: number;
  /** Line feeds inside the record (quoted fields spanning lines). */
  innerLines: number;
  /** A malformed record (then one line): the 0-based field where it goes wrong, and why. */
  problem?: { field: number; code: CsvProblem };
}

const START = 0;
const PLAIN = 1;
const QUOTED = 2;
const CLOSING = 3;
const CLOSING_CR = 4;

/**
 * How the record starting at `start` ends, by RFC 4180 (what csv-parse accepts with the options the
 * ingest uses). The recovery rule lives here, shared by the block splitter (bytes) and the row
 * parser (text), so both agree on where records end: a malformed record is one line, and a quoted
 * field that runs past its line is accepted only if the lines up to its closing quote make a
 * well-formed record of `width` columns (0: any) within MAX_QUOTED_LINES; otherwise the line that
 * opened it is malformed alone and the next line starts a record (issue: "the rest of the file
 * goes on"). A stray quote thus costs its line, not the rows after it.
 *
 * `at(i)` gives the code unit at `i` (a byte, or a UTF-16 unit: quote, comma, tab, semicolon, CR
 * and LF are the same single units in UTF-8, GB18030 and UTF-16 text); `delimiter` is the code of
 * the delimiter. `gb18030`: the units are GB18030 bytes, whose multi-byte characters are stepped
 * over whole, since their second byte may be a pipe (a record starts on a character boundary: a
 * line feed is never inside a character). Null when the data up to `limit` cannot tell yet and
 * more may follow (`eof` false).
 */
function findRecordEnd(
  at: (i: number) => number,
  start: number,
  limit: number,
  eof: boolean,
  width: number,
  delimiter: number,
  gb18030 = false,
): RecordEnd | null {
  let state = START;
  let field = 0;
  let innerLines = 0;
  /** The first line feed inside quotes: the end of the line that opened a multi-line field. */
  let firstLf = -1;
  let openField = 0;
  const openerAlone = (): RecordEnd => ({
    end: firstLf,
    innerLines: 0,
    problem: { field: openField, code: 'CSV_QUOTE_NOT_CLOSED' },
  });
  /** A malformed single line: it ends at its line feed, whatever quotes follow. */
  const badLine = (i: number, code: CsvProblem): RecordEnd | null => {
    if (firstLf >= 0) return openerAlone();
    for (let j = i; j < limit; j++)
      if (at(j) === LF) return { end: j, innerLines: 0, problem: { field, code } };
    return eof ? { end: limit, innerLines: 0, problem: { field, code } } : null;
  };
  const complete = (i: number): RecordEnd =>
    firstLf >= 0 && width > 0 && field + 1 !== width ? openerAlone() : { end: i, innerLines };
  for (let i = start; i < limit; i++) {
    const c = at(i);
    if (gb18030 && c >= 0x81 && c <= 0xfe) {
      // A lead byte: two bytes, or four when the second is a digit. Inside a field, like any text.
      // A character cut by `limit` is finished by the next call, which starts over at `start`.
      const second = i + 1 < limit ? at(i + 1) : -1;
      i += second >= 0x30 && second <= 0x39 ? 3 : 1;
      if (state === START) state = PLAIN;
      else if (state === CLOSING || state === CLOSING_CR) return badLine(i, 'CSV_INVALID_CLOSING_QUOTE');
      continue;
    }
    switch (state) {
      case START:
        if (c === QUOTE) state = QUOTED;
        else if (c === delimiter) field++;
        else if (c === LF) return complete(i);
        else state = PLAIN;
        break;
      case PLAIN:
        if (c === delimiter) {
          field++;
          state = START;
        } else if (c === LF) return complete(i);
        else if (c === QUOTE) return badLine(i, 'INVALID_OPENING_QUOTE');
        break;
      case QUOTED:
        if (c === QUOTE) state = CLOSING;
        else if (c === LF) {
          if (firstLf < 0) {
            firstLf = i;
            openField = field;
          }
          if (++innerLines > MAX_QUOTED_LINES) return openerAlone();
        }
        break;
      case CLOSING:
        if (c === QUOTE) state = QUOTED;
        else if (c === delimiter) {
          field++;
          state = START;
        } else if (c === LF) return complete(i);
        else if (c === CR) state = CLOSING_CR;
        else return badLine(i, 'CSV_INVALID_CLOSING_QUOTE');
        break;
      default:
        if (c === LF) return complete(i);
        return badLine(i, 'CSV_INVALID_CLOSING_QUOTE');
    }
  }
  if (!eof) return firstLf >= 0 && limit - start > MAX_QUOTED_BYTES ? openerAlone() : null;
  if (state === QUOTED) {
    if (firstLf >= 0) return openerAlone();
    return { end: limit, innerLines: 0, problem: { field, code: 'CSV_QUOTE_NOT_CLOSED' } };
  }
  return complete(limit);
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
    /** Columns of the header: a quoted field spanning lines must complete a row this wide (0: any). */
    width?: number;
    /** The header line's delimiter (parseCsvHeader), a comma by default. */
    delimiter?: CsvDelimiter;
  },
): AsyncGenerator<CsvBlock> {
  const blockBytes = opts.blockBytes ?? 1024 * 1024;
  const delimiter = opts.delimiter ?? ',';
  const delimiterCode = delimiter.charCodeAt(0);
  const utf16 = opts.encoding === 'utf-16le' || opts.encoding === 'utf-16be';
  const encoding = utf16 ? 'utf-8' : (opts.encoding as 'utf-8' | 'gb18030');
  const gb18030 = encoding === 'gb18030';
  const transcoder = utf16 ? new TextDecoder(opts.encoding, { fatal: false }) : undefined;
  const encoder = new TextEncoder();
  const fh = await open(file, 'r');
  try {
    let position = opts.start;
    let firstLine = opts.firstLine;
    let pending = new Uint8Array(0);
    /** Where the next record starts in `pending`, and the line feeds before it. */
    let boundary = 0;
    let linesToBoundary = 0;
    /** The first quote at or after `boundary` (`pending.length` if none yet), or -1 to look again. */
    let nextQuote = -1;
    /**
     * Moves `boundary` over the complete records in `pending`. A line without a quote ends at its
     * line feed (found natively, as the old byte scan found it); from a quote on, `findRecordEnd`
     * decides, with the same rule as the row parser, so a stray or unclosed quote costs its own
     * line and never makes a block run on to the end of the file.
     */
    const advance = () => {
      const bytes = pending;
      const at = (i: number) => bytes[i]!;
      while (boundary < bytes.length) {
        if (nextQuote < boundary) {
          const q = bytes.indexOf(QUOTE, boundary);
          nextQuote = q < 0 ? bytes.length : q;
        }
        const lf = bytes.indexOf(LF, boundary);
        if (lf >= 0 && lf < nextQuote) {
          boundary = lf + 1;
          linesToBoundary++;
          continue;
        }
        if (nextQuote >= bytes.length) return;
        const r = findRecordEnd(at, boundary, bytes.length, false, opts.width ?? 0, delimiterCode, gb18030);
        if (!r) return;
        boundary = r.end + 1;
        linesToBoundary += 1 + r.innerLines;
      }
    };
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
        // "No quote yet" meant none in the old bytes: look again in the new ones.
        if (nextQuote >= pending.length) nextQuote = -1;
        pending = joined;
      }
      if (eof) {
        if (pending.length > 0) yield { bytes: pending, encoding, firstLine, delimiter };
        return;
      }
      advance();
      if (boundary === 0 || pending.length < blockBytes) continue;
      // Copies: the block goes to another thread with a buffer of its own.
      yield { bytes: pending.slice(0, boundary), encoding, firstLine, delimiter };
      firstLine += linesToBoundary;
      pending = pending.slice(boundary);
      nextQuote = nextQuote >= boundary ? nextQuote - boundary : -1;
      boundary = 0;
      linesToBoundary = 0;
    }
  } finally {
    await fh.close();
  }
}

/**
 * One well-formed record whose fields hold quotes (`findRecordEnd` found where it ends), read by
 * csv-parse. Should csv-parse still refuse it, the record is quarantined with the problem's code and
 * column, never csv-parse's message: that quotes the field's value and counts lines from the
 * record's start, not the file's.
 */
function quotedRecordRow(
  record: string,
  line: number,
  width: number,
  headers: readonly string[],
  encoding: string,
  inspectCells: boolean,
  delimiter: CsvDelimiter,
): ParsedCsvRow {
  try {
    const rows = parse(record, { relax_column_count: true, delimiter }) as string[][];
    if (rows.length === 1) return checkRow(rows[0]!, line, width, headers, encoding, record, inspectCells);
    return badRow(line, null, 'CSV_ERROR', width, headers, record);
  } catch (err) {
    const e = err as { code?: unknown; column?: unknown };
    const code = (
      ['INVALID_OPENING_QUOTE', 'CSV_INVALID_CLOSING_QUOTE', 'CSV_QUOTE_NOT_CLOSED'] as unknown[]
    ).includes(e.code)
      ? (e.code as CsvProblem)
      : 'CSV_ERROR';
    return badRow(line, typeof e.column === 'number' ? e.column : null, code, width, headers, record);
  }
}

function badRow(
  line: number,
  field: number | null,
  code: CsvProblem,
  width: number,
  headers: readonly string[],
  raw: string,
): ParsedCsvRow {
  return {
    kind: 'bad',
    line,
    column: field === null ? null : (headers[field] ?? `#${field + 1}`),
    reason: describeProblem(code, width),
    raw,
  };
}

/**
 * A row of cells: the right width, and (when `inspectCells`: its block holds an undecodable byte or
 * a NUL somewhere) every cell text. A NUL cannot be stored in PostgreSQL text: it failed the whole
 * file at COPY time before it was quarantined here, with the other bytes that are not text.
 */
function checkRow(
  cells: string[],
  line: number,
  width: number,
  headers: readonly string[],
  encoding: string,
  raw: string,
  inspectCells: boolean,
): ParsedCsvRow {
  // Spreadsheet exports often end rows with empty cells past the header (`…,是,,`): extra
  // columns that are all empty are dropped; extra values, or missing columns, stay an error.
  const values =
    cells.length > width && width > 0 && cells.slice(width).every((v) => v.trim() === '')
      ? cells.slice(0, width)
      : cells;
  if (values.length !== width) {
    return {
      kind: 'bad',
      line,
      column: null,
      reason: `expected ${width} columns, found ${values.length}`,
      raw,
    };
  }
  if (!inspectCells) return { kind: 'row', line, values };
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const reason = v.includes(REPLACEMENT)
      ? `bytes that are not valid ${encoding} text`
      : v.includes('\u0000')
        ? 'contains a NUL byte: binary data, not text'
        : undefined;
    if (reason) return { kind: 'bad', line, column: headers[i] ?? `#${i + 1}`, reason, raw };
  }
  return { kind: 'row', line, values };
}

/**
 * Splits decoded CSV text (whole records; its first line is line `firstLine` of the file) into
 * rows: good rows with their values, malformed ones with line, column and reason for quarantine.
 * Every line is accounted for once: as a row, as part of a multi-line row, as a bad row, or blank.
 * The text is split into lines once: looking for the next quote from every line's start instead
 * scanned the rest of a quote-free block each time (10 times the cost of the splitting itself).
 * The end of the text is the end of the data: a quoted field still open there is not closed, and
 * a quarantined last line without a line break is said to be maybe cut short (only a file's last
 * block can end so: the others end on a record's line feed). Fields are separated by `delimiter`
 * (the header line's, parseCsvHeader).
 */
export function parseCsvText(
  text: string,
  firstLine: number,
  width: number,
  headers: readonly string[],
  encoding: string,
  delimiter: CsvDelimiter = ',',
): ParsedCsvRow[] {
  const delimiterCode = delimiter.charCodeAt(0);
  const out: ParsedCsvRow[] = [];
  const lines = text.split('\n');
  // A final line feed ends the last line; it does not start another.
  const terminated = text.endsWith('\n');
  const count = terminated ? lines.length - 1 : lines.length;
  const at = (i: number) => text.charCodeAt(i);
  // Cells are searched for bytes that are not text only in a block that holds one (rarely).
  const inspectCells = text.includes(REPLACEMENT) || text.includes('\u0000');
  let offset = 0;
  let i = 0;
  while (i < count) {
    const l = lines[i]!;
    if (!l.includes('"')) {
      const raw = l.charCodeAt(l.length - 1) === 13 ? l.slice(0, -1) : l;
      if (raw.length > 0)
        out.push(checkRow(raw.split(delimiter), firstLine + i, width, headers, encoding, raw, inspectCells));
      offset += l.length + 1;
      i++;
      continue;
    }
    // eof: the text always ends on a record boundary, so `findRecordEnd` never asks for more.
    const r = findRecordEnd(at, offset, text.length, true, width, delimiterCode)!;
    const record = text.slice(offset, r.end).replace(/\r$/, '');
    if (r.problem) out.push(badRow(firstLine + i, r.problem.field, r.problem.code, width, headers, record));
    else out.push(quotedRecordRow(record, firstLine + i, width, headers, encoding, inspectCells, delimiter));
    offset = r.end + 1;
    i += 1 + r.innerLines;
  }
  // An unterminated last line that is not blank made the last row (alone or as the end of a
  // multi-line one).
  const last = out[out.length - 1];
  if (!terminated && last?.kind === 'bad' && count > 0 && lines[count - 1] !== '\r')
    last.reason = `${last.reason}; ${CUT_SHORT}`;
  return out;
}

/**
 * The delimiter of a file, from the first line of its header: of the comma, the tab, the semicolon
 * and the pipe, the one the line holds most often outside double quotes (on a tie, the first of
 * them in that order). A header name rarely holds one of the others, and a header separated by
 * one still has it between every two names, so it outnumbers a stray one; a line of one cell
 * (none of them) is read as CSV, as before.
 */
export function detectDelimiter(headerLine: string): CsvDelimiter {
  const counts = new Map<number, number>(DELIMITERS.map((d) => [d.charCodeAt(0), 0]));
  let quoted = false;
  for (let i = 0; i < headerLine.length; i++) {
    const c = headerLine.charCodeAt(i);
    if (c === QUOTE) quoted = !quoted;
    else if (!quoted) {
      const n = counts.get(c);
      if (n !== undefined) counts.set(c, n + 1);
    }
  }
  let best: CsvDelimiter = ',';
  for (const d of DELIMITERS) if (counts.get(d.charCodeAt(0))! > counts.get(best.charCodeAt(0))!) best = d;
  return best;
}

/**
 * The header record at the start of a sample of the file (after any BOM): its fields, its line, the byte
 * offset (from the start of the sample) where the data begins, the line number of the first
 * data line and the file's delimiter (`detectDelimiter`). Empty lines before the header are
 * skipped, as csv-parse skips them.
 */
export function parseCsvHeader(
  sample: Uint8Array,
  encoding: string,
): {
  headers: string[];
  headerLine: number;
  dataStart: number;
  dataLine: number;
  delimiter: CsvDelimiter;
} {
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
  const headerLine = line;
  const firstLf = text.indexOf('\n', start);
  const delimiter = detectDelimiter(text.slice(start, firstLf < 0 ? text.length : firstLf));
  const r = findRecordEnd((i) => text.charCodeAt(i), start, text.length, true, 0, delimiter.charCodeAt(0))!;
  const end = r.end < text.length ? r.end : -1;
  line += end >= 0 ? 1 + r.innerLines : r.innerLines;
  const headerText = text.slice(start, end >= 0 ? end + 1 : text.length);
  if (end < 0 && headerText.includes('\r')) {
    throw new Error(
      'lines end with a bare carriage return (classic Mac OS): save the file with CRLF or LF line ends',
    );
  }
  // The header line is the one line a file must get right; its cells are not echoed (a file
  // without a header starts with a customer's data).
  const refuse = (field: number | null, code: CsvProblem) =>
    new Error(
      `line ${headerLine}${field === null ? '' : `, column ${field + 1}`}: the header line is not readable: ${describeProblem(code, 0)}`,
    );
  if (r.problem) throw refuse(r.problem.field, r.problem.code);
  let rows: string[][];
  try {
    rows = parse(headerText, { relax_column_count: true, skip_empty_lines: true, delimiter }) as string[][];
  } catch (err) {
    const e = err as { column?: unknown };
    throw refuse(typeof e.column === 'number' ? e.column : null, 'CSV_ERROR');
  }
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
  return {
    headers: (rows[0] ?? []).map((h) => h.trim()),
    headerLine,
    dataStart,
    dataLine: line,
    delimiter,
  };
}
