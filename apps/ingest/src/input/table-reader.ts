import { open, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import ExcelJS from 'exceljs';
import { type CsvBlock, parseCsvHeader, parseCsvText, readCsvBlocks } from './csv-blocks.js';
import { detectEncoding } from './detect-encoding.js';
import {
  notReadable,
  type SheetChoice,
  type SheetWanted,
  streamedWorkbookSheet,
  wholeWorkbookSheet,
} from './xlsx-sheet.js';

export type { SheetChoice } from './xlsx-sheet.js';

/**
 * Reads a CSV or XLSX table row by row, in constant memory. A malformed row never stops the file:
 * it comes out as a `bad` row with its line, column and reason, for quarantine (issue: "nothing
 * lost"). Line numbers are those a person sees in an editor (header = line 1).
 */
export type TableRow =
  | { kind: 'row'; line: number; values: string[] }
  | { kind: 'bad'; line: number; column: string | null; reason: string; raw: string };

export interface TableInfo {
  file: string;
  format: 'csv' | 'xlsx';
  encoding: string;
  headers: string[];
  /** The header line's number: 1 unless empty lines (CSV) or rows (XLSX) come before it. */
  headerLine: number;
  /** XLSX: the sheet read. */
  sheet?: string;
  /** XLSX read with `acceptsHeader` and no `sheet`: how the sheet was chosen. */
  sheetChoice?: SheetChoice;
}

export interface OpenedTable {
  info: TableInfo;
  /** The rows, parsed here. */
  rows: AsyncIterable<TableRow>;
  /** CSV only: the raw blocks, for parsing on the encoder threads (read either these or `rows`). */
  blocks?: AsyncIterable<CsvBlock>;
}

export interface ReadTableOptions {
  /** XLSX: the sheet to read (default: the first, or the one `acceptsHeader` chooses). */
  sheet?: string;
  /**
   * XLSX without `sheet`: read the first sheet whose header line (its cells' text) this accepts;
   * when none does, the first sheet that is not empty (`info.sheetChoice` says which were looked at).
   */
  acceptsHeader?: (headers: string[]) => boolean;
  /** CSV: bytes per block handed to an encoder thread (default 1 MiB; tests make it small). */
  blockBytes?: number;
  /** XLSX: the largest workbook read whole, larger ones are streamed (default 64 MiB; tests set 0). */
  fullReadMaxBytes?: number;
}

const REPLACEMENT = '\uFFFD';

/** True when `file` is read as an XLSX workbook (by its extension), false when read as CSV. */
export function isWorkbook(file: string): boolean {
  const ext = extname(file).toLowerCase();
  return ext === '.xlsx' || ext === '.xlsm';
}

/** The first bytes of an OLE2 compound file: Excel 97-2003 workbooks, and password-protected XLSX. */
const OLE2_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
/** The first bytes of a zip archive's first entry, as in every XLSX workbook. */
const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

const startsWith = (bytes: Uint8Array, magic: number[]) => magic.every((b, i) => bytes[i] === b);

/**
 * An HTML page: what web systems' "export to Excel" writes, named .xls (Excel opens it, with a
 * warning). Its first tag, after any BOM, white space or XML declaration, is a doctype, <html> or
 * <table>; a CSV's first line never starts so (a header cell "<备注>" is followed by a delimiter,
 * not by a tag name's end).
 */
function isHtmlPage(sample: Uint8Array): boolean {
  const { encoding, bomLength } = detectEncoding(sample);
  const text = new TextDecoder(encoding, { fatal: false }).decode(sample.subarray(bomLength));
  return /^[\s\uFEFF]*(<\?xml[^>]*>\s*)?<(!doctype|html|table)[\s>]/i.test(text);
}

/**
 * A file's kind is its extension (isWorkbook), but a file whose bytes say it is another kind fails
 * with that said, instead of being read as what it is not: an Excel 97-2003 workbook read as CSV
 * is binary garbage, whose "header line" has no record_id column; an HTML page read as CSV fails
 * on its first quote (INVALID_OPENING_QUOTE), read as XLSX it is no zip archive.
 */
export async function openTable(file: string, opts: ReadTableOptions = {}): Promise<OpenedTable> {
  const magic = await readSample(file, 1024);
  if (startsWith(magic, OLE2_MAGIC)) {
    throw new Error(
      (await isEncryptedOoxml(file))
        ? `${file}: a password-protected workbook: save it without a password as .xlsx, or as CSV`
        : `${file}: an Excel 97-2003 (.xls) workbook: save it as .xlsx or CSV`,
    );
  }
  if (isHtmlPage(magic)) {
    throw new Error(
      `${file}: an HTML page (a web system's 'Excel' export), not a spreadsheet: open it in Excel and save as .xlsx`,
    );
  }
  if (isWorkbook(file)) return openXlsx(file, opts);
  if (startsWith(magic, ZIP_MAGIC)) {
    const ext = extname(file) || 'without an extension';
    throw new Error(
      `${file}: an XLSX workbook (a zip archive) named ${ext}: a workbook must be named .xlsx to be read as one`,
    );
  }
  return openCsv(file, opts.blockBytes);
}

/**
 * Excel saves a password-protected XLSX as an OLE2 compound file holding an "EncryptedPackage"
 * stream; its directory starts at the sector named in the header ([MS-CFB] 2.2: sector size 2^n
 * at offset 0x1E, first directory sector at 0x30). Only the wording of the failure depends on it.
 */
async function isEncryptedOoxml(file: string): Promise<boolean> {
  const head = await readSample(file, 512);
  if (head.length < 512) return false;
  const view = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  const shift = view.readUInt16LE(0x1e);
  if (shift !== 9 && shift !== 12) return false;
  const sectorSize = 1 << shift;
  const dirStart = (view.readUInt32LE(0x30) + 1) * sectorSize;
  const fh = await open(file, 'r');
  try {
    // The first four directory sectors: the root's streams are among the first entries.
    const buf = Buffer.alloc(sectorSize * 4);
    const { bytesRead } = await fh.read(buf, 0, buf.length, dirStart);
    return buf.subarray(0, bytesRead).includes(Buffer.from('EncryptedPackage', 'utf16le'));
  } finally {
    await fh.close();
  }
}

async function readSample(file: string, size: number): Promise<Uint8Array> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(size);
    const { bytesRead } = await fh.read(buf, 0, size, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

async function openCsv(file: string, blockBytes?: number): Promise<OpenedTable> {
  const sample = await readSample(file, 256 * 1024);
  const { encoding, bomLength } = detectEncoding(sample);
  const text = sample.subarray(bomLength);
  // Said in words: an empty file otherwise reads as a header line without a record_id column.
  if (!/[^\s\0]/.test(new TextDecoder(encoding, { fatal: false }).decode(text)))
    throw new Error(`${file}: the file is empty`);
  let header: ReturnType<typeof parseCsvHeader>;
  try {
    header = parseCsvHeader(text, encoding);
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
  }
  const headers = header.headers;
  const width = headers.length;
  const blocks = () =>
    readCsvBlocks(file, {
      start: bomLength + header.dataStart,
      firstLine: header.dataLine,
      encoding,
      width,
      delimiter: header.delimiter,
      ...(blockBytes ? { blockBytes } : {}),
    });

  async function* rows(): AsyncGenerator<TableRow> {
    for await (const block of blocks()) {
      // Non-fatal: undecodable bytes become U+FFFD, and the row holding them is quarantined.
      const text = new TextDecoder(block.encoding, { fatal: false }).decode(block.bytes);
      yield* parseCsvText(text, block.firstLine, width, headers, encoding, block.delimiter);
    }
  }
  return {
    info: {
      file,
      format: 'csv',
      encoding: bomLength ? `${encoding}+BOM` : encoding,
      headers,
      headerLine: header.headerLine,
    },
    rows: rows(),
    blocks: blocks(),
  };
}

/**
 * What a cell of a sheet says, as text, or why it cannot be read (`problem`, never with the
 * cell's value: a formula's text or an error code, which are no personal data, go in `raw`, the
 * row's encrypted copy in quarantine).
 */
type CellReading = { text: string } | { problem: string; raw: string };

/**
 * A formula saved without its result (by a program that does not compute formulas: exceljs,
 * openpyxl) has no value to read. exceljs reading a workbook whole also loses a result that is
 * empty text (`<v></v>`, as Excel saves =IF(…,"",…)): such a cell is quarantined too, which pasting
 * the column as values mends.
 */
const NO_RESULT =
  'a formula without a computed value: open and save the workbook in Excel, or paste the column as values';
/**
 * A number cell whose digits cannot all be right: Excel keeps 15 significant digits and a double
 * holds integers exactly only up to 2^53, so an 18-digit ID number or a 19-digit bank account
 * typed as a number comes back with its last digits zeroed or changed, and would be flagged for a
 * wrong checksum it never had (validation-cases.md: an ID given as a number is a type error). Any
 * number of 16 or more integer digits is such a case (no amount or count in these files comes
 * near 10^15). Fractions are left alone: their 16th digit is float noise of a formula
 * (0.30000000000000004), not a lost digit of an identifier.
 */
const LOST_DIGITS = 'stored as a number in Excel: digits may have been lost; format the column as text';

/**
 * exceljs applies a date format to a formula's result only when it reads a workbook whole; its
 * streaming reader hands the date as Excel's day number. This is the rule exceljs applies to a
 * plain cell (utils.isDateFmt: y, m, d, h, s or b outside quotes and brackets), so that a formula's
 * date reads as a plain date cell does, whichever reader.
 */
function isDateFormat(fmt: string | undefined): boolean {
  if (!fmt) return false;
  return /[ymdhMsb]/.test(fmt.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, ''));
}

/**
 * Excel's day number to the UTC date exceljs gives a plain date cell (utils.excelToDate): in the
 * 1904 date system (a Mac default of old) day 0 is 1904-01-01, 1,462 days after the 1900 system's.
 */
const excelDate = (serial: number, date1904: boolean) =>
  new Date(Math.round((serial - 25569 + (date1904 ? 1462 : 0)) * 86_400_000));

function readCell(cell: ExcelJS.Cell | undefined, date1904 = false): CellReading {
  if (!cell) return { text: '' };
  // A cell covered by a merge reads as its range's first cell (its value is that cell's).
  const source = cell.type === ExcelJS.ValueType.Merge ? cell.master : cell;
  const value = source.value;
  if (value !== null && typeof value === 'object' && ('formula' in value || 'sharedFormula' in value)) {
    // exceljs's `value` drops a result of 0, false or "" (exceljs issue #2943); `result` keeps it.
    // A shared formula's other cells read back by the streaming reader are typed as text, with no
    // `result` of their own: there the value has it.
    let result: unknown = 'result' in value ? value.result : undefined;
    if (result === undefined && source.type === ExcelJS.ValueType.Formula) result = source.result;
    const formula = `=${(value as { formula?: string }).formula ?? ''}`;
    if (result === undefined || result === null) return { problem: NO_RESULT, raw: formula };
    // The streaming reader parses an error result (#N/A…) as a number: NaN, its code lost.
    if (typeof result === 'number' && Number.isNaN(result))
      return { problem: 'a formula whose result is an Excel error', raw: formula };
    if (typeof result === 'number' && isDateFormat(source.numFmt) && Math.abs(result) < 1e7)
      return readValue(excelDate(result, date1904));
    return readValue(result as ExcelJS.CellValue);
  }
  return readValue(value);
}

function readValue(value: ExcelJS.CellValue): CellReading {
  if (value === null || value === undefined) return { text: '' };
  if (typeof value === 'string') return { text: value };
  if (typeof value === 'number') {
    if (Number.isFinite(value) && Math.abs(value) >= 1e15)
      return { problem: LOST_DIGITS, raw: String(value) };
    return { text: String(value) };
  }
  if (typeof value === 'boolean') return { text: String(value) };
  if (value instanceof Date) {
    // exceljs reading a workbook whole turns a formula's text result in a date-formatted cell into
    // an invalid date (exceljs issue #2966): the text is lost.
    if (Number.isNaN(value.getTime()))
      return { problem: "a formula's text in a date-formatted cell: format the column as text", raw: '' };
    // Excel dates carry no zone: exceljs reads them as UTC midnight of the calendar date.
    return { text: value.toISOString().slice(0, 10) };
  }
  if ('error' in value) {
    // The code (#N/A, #REF!…) says what went wrong in the sheet, and is no personal data.
    return { problem: `an Excel error value ${value.error}: correct the cell in Excel`, raw: value.error };
  }
  if ('richText' in value) return { text: value.richText.map((r) => r.text).join('') };
  // A hyperlink's text is whatever the cell showed: plain or rich text, or a formula's number.
  if ('hyperlink' in value) return readValue(value.text as ExcelJS.CellValue);
  return { problem: 'a cell value of a kind this reader does not know', raw: '' };
}

/** A header cell's name: a header that cannot be read names no column. */
function headerText(cell: ExcelJS.Cell | undefined): string {
  const r = readCell(cell);
  return 'text' in r ? r.text.trim() : '';
}

/**
 * exceljs's streaming reader can garble multi-byte characters that straddle its read chunks
 * (exceljs issues #2063, #2316; reproduced here with Chinese names), so a workbook up to this
 * size is read whole; a larger one is streamed, and a cell that comes out with U+FFFD is
 * quarantined instead of being stored garbled.
 */
const FULL_READ_MAX_BYTES = 64 * 1024 * 1024;

async function openXlsx(file: string, opts: ReadTableOptions): Promise<OpenedTable> {
  const size = (await stat(file)).size;
  const want: SheetWanted = {
    ...(opts.sheet ? { sheet: opts.sheet } : {}),
    ...(opts.acceptsHeader ? { accepts: opts.acceptsHeader } : {}),
    headerNames: (row) => rowCells(row).map(headerText),
  };
  const sheet =
    size <= (opts.fullReadMaxBytes ?? FULL_READ_MAX_BYTES)
      ? await wholeWorkbookSheet(file, want)
      : await streamedWorkbookSheet(file, want);
  const it = sheet.rest;
  const next = () => it.next().catch((err: unknown) => Promise.reject(notReadable(file, err)));
  // Said in words: an empty sheet otherwise reads as a header line without a record_id column.
  if (!sheet.header) {
    const looked = sheet.choice?.lookedAt ?? [];
    throw new Error(
      looked.length > 1
        ? `${file}: every sheet is empty (${looked.map((n) => `"${n}"`).join(', ')})`
        : `${file}: the sheet is empty`,
    );
  }
  const headers = want.headerNames(sheet.header);
  const width = headers.length;

  const columnName = (i: number) => headers[i] ?? `#${i + 1}`;

  async function* rows(): AsyncGenerator<TableRow> {
    for (;;) {
      const n = await next();
      if (n.done) return;
      const row = n.value;
      const readings = rowCells(row).map((cell) => readCell(cell, sheet.date1904));
      while (readings.length < width) readings.push({ text: '' });
      const values = readings.map((r) => ('text' in r ? r.text : r.raw));
      if (readings.every((r) => 'text' in r && r.text.trim() === '')) continue;
      const raw = values.join(',');
      // Why the row is quarantined (never with a value in the reason), if it is.
      let bad: { column: string | null; reason: string } | undefined;
      if (readings.slice(width).some((r) => !('text' in r) || r.text.trim() !== ''))
        bad = { column: null, reason: `values beyond the ${width} headed columns` };
      const unreadable = readings.findIndex((r) => !('text' in r));
      if (!bad && unreadable >= 0)
        bad = {
          column: columnName(unreadable),
          reason: (readings[unreadable] as { problem: string }).problem,
        };
      const garbled = values.findIndex((v) => v.includes(REPLACEMENT));
      if (!bad && garbled >= 0)
        bad = { column: columnName(garbled), reason: 'text that could not be decoded' };
      if (bad) {
        yield { kind: 'bad', line: row.number, ...bad, raw };
        continue;
      }
      yield { kind: 'row', line: row.number, values: values.slice(0, width) };
    }
  }
  return {
    info: {
      file,
      format: 'xlsx',
      encoding: 'xlsx',
      headers,
      headerLine: sheet.header.number,
      sheet: sheet.name,
      ...(sheet.choice ? { sheetChoice: sheet.choice } : {}),
    },
    rows: rows(),
  };
}

/** A row's cells by column, from the first column to its last non-empty cell. */
function rowCells(row: ExcelJS.Row): (ExcelJS.Cell | undefined)[] {
  const cells: (ExcelJS.Cell | undefined)[] = [];
  row.eachCell({ includeEmpty: false }, (cell, col) => {
    cells[col - 1] = cell;
  });
  return Array.from(cells);
}
