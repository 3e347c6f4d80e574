import { open, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import ExcelJS from 'exceljs';
import { type CsvBlock, parseCsvHeader, parseCsvText, readCsvBlocks } from './csv-blocks.js';
import { detectEncoding } from './detect-encoding.js';

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
}

export interface OpenedTable {
  info: TableInfo;
  /** The rows, parsed here. */
  rows: AsyncIterable<TableRow>;
  /** CSV only: the raw blocks, for parsing on the encoder threads (read either these or `rows`). */
  blocks?: AsyncIterable<CsvBlock>;
}

export interface ReadTableOptions {
  /** XLSX: the sheet to read (default: the first). */
  sheet?: string;
  /** CSV: bytes per block handed to an encoder thread (default 1 MiB; tests make it small). */
  blockBytes?: number;
}

const REPLACEMENT = '\uFFFD';

/** True when `file` is read as an XLSX workbook (by its extension), false when read as CSV. */
export function isWorkbook(file: string): boolean {
  const ext = extname(file).toLowerCase();
  return ext === '.xlsx' || ext === '.xlsm';
}

export async function openTable(file: string, opts: ReadTableOptions = {}): Promise<OpenedTable> {
  if (isWorkbook(file)) return openXlsx(file, opts);
  return openCsv(file, opts.blockBytes);
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
      ...(blockBytes ? { blockBytes } : {}),
    });

  async function* rows(): AsyncGenerator<TableRow> {
    for await (const block of blocks()) {
      // Non-fatal: undecodable bytes become U+FFFD, and the row holding them is quarantined.
      const text = new TextDecoder(block.encoding, { fatal: false }).decode(block.bytes);
      yield* parseCsvText(text, block.firstLine, width, headers, encoding);
    }
  }
  return {
    info: { file, format: 'csv', encoding: bomLength ? `${encoding}+BOM` : encoding, headers },
    rows: rows(),
    blocks: blocks(),
  };
}

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) {
    // Excel dates carry no zone: exceljs reads them as UTC midnight of the calendar date.
    return value.toISOString().slice(0, 10);
  }
  if (typeof value === 'object') {
    if ('richText' in value) return value.richText.map((r) => r.text).join('');
    if ('text' in value && typeof value.text === 'string') return value.text;
    if ('result' in value) return cellText(value.result as ExcelJS.CellValue);
    if ('error' in value) return '';
    return String(value);
  }
  return String(value);
}

/**
 * A number cell whose digits cannot all be right: Excel keeps 15 significant digits and a double
 * holds integers exactly only up to 2^53, so an 18-digit ID number or a 19-digit bank account
 * typed as a number comes back with its last digits zeroed or changed, and would be flagged for a
 * wrong checksum it never had (validation-cases.md: an ID given as a number is a type error). Any number of 16 or more integer digits is such a
 * case (no amount or count in these files comes near 10^15). Fractions are left alone: their 16th
 * digit is float noise of a formula (0.30000000000000004), not a lost digit of an identifier.
 * The value itself is never put in the reason.
 */
function lostDigits(value: ExcelJS.CellValue): boolean {
  if (value !== null && typeof value === 'object' && 'result' in value)
    return lostDigits(value.result as ExcelJS.CellValue);
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) >= 1e15;
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
  const sheetRows =
    size <= FULL_READ_MAX_BYTES ? await fullSheetRows(file, opts) : await streamedSheetRows(file, opts);
  const it = sheetRows;
  const first = await it.next();
  // Said in words: an empty sheet otherwise reads as a header line without a record_id column.
  if (first.done) throw new Error(`${file}: the sheet is empty`);
  const headerRow = (first.value.values as ExcelJS.CellValue[]).slice(1);
  const headers = headerRow.map((v) => cellText(v).trim());
  const width = headers.length;

  const columnName = (i: number) => headers[i] ?? `#${i + 1}`;
  /** Why a row of the sheet is quarantined (never with a value in the reason), if it is. */
  const rowProblem = (
    cells: ExcelJS.CellValue[],
    values: string[],
  ): { column: string | null; reason: string } | undefined => {
    if (values.length > width && values.slice(width).some((v) => v.trim() !== ''))
      return { column: null, reason: `values beyond the ${width} headed columns` };
    const lostCol = cells.findIndex((c, i) => i < width && lostDigits(c));
    if (lostCol >= 0)
      return {
        column: columnName(lostCol),
        reason: 'stored as a number in Excel: digits may have been lost; format the column as text',
      };
    const badCol = values.findIndex((v) => v.includes(REPLACEMENT));
    if (badCol >= 0) return { column: columnName(badCol), reason: 'text that could not be decoded' };
    return undefined;
  };

  async function* rows(): AsyncGenerator<TableRow> {
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      const row = next.value;
      const cells = (row.values as ExcelJS.CellValue[]).slice(1);
      const values = Array.from({ length: Math.max(width, cells.length) }, (_, i) => cellText(cells[i]));
      if (values.every((v) => v.trim() === '')) continue;
      const bad = rowProblem(cells, values);
      if (bad) {
        const { column, reason } = bad;
        yield { kind: 'bad', line: row.number, column, reason, raw: values.join(',') };
        continue;
      }
      yield { kind: 'row', line: row.number, values: values.slice(0, width) };
    }
  }
  return { info: { file, format: 'xlsx', encoding: 'xlsx', headers }, rows: rows() };
}

async function fullSheetRows(file: string, opts: ReadTableOptions): Promise<AsyncIterator<ExcelJS.Row>> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  const ws = opts.sheet ? wb.getWorksheet(opts.sheet) : wb.worksheets[0];
  if (!ws)
    throw new Error(
      opts.sheet ? `${file}: no sheet named "${opts.sheet}"` : `${file}: the workbook has no sheet`,
    );
  const list: ExcelJS.Row[] = [];
  ws.eachRow({ includeEmpty: false }, (row) => {
    list.push(row);
  });
  return (async function* () {
    yield* list;
  })();
}

async function streamedSheetRows(file: string, opts: ReadTableOptions): Promise<AsyncIterator<ExcelJS.Row>> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'cache',
    entries: 'ignore',
  });
  const sheets = reader[Symbol.asyncIterator]();
  for (;;) {
    const s = await sheets.next();
    if (s.done) break;
    const ws = s.value as unknown as { name: string };
    if (!opts.sheet || ws.name === opts.sheet) {
      return (ws as unknown as AsyncIterable<ExcelJS.Row>)[Symbol.asyncIterator]();
    }
  }
  throw new Error(
    opts.sheet ? `${file}: no sheet named "${opts.sheet}"` : `${file}: the workbook has no sheet`,
  );
}
