import ExcelJS from 'exceljs';

/**
 * Which sheet of a workbook is read, by either of exceljs's readers (the whole workbook, or the
 * streamed one for large files: table-reader.ts says why both), and its rows.
 *
 * A sheet named by the user is read, or the file fails. Without a name, a caller that can tell a
 * header line of its kind (`accepts`: the customer file's record_id column) gets the first sheet
 * whose header line it accepts, so that a workbook opening on a cover sheet (说明, instructions)
 * is read from its data sheet; when none is accepted, the first sheet that is not empty is read
 * (and refused for its header line by that caller), with every sheet looked at named for the
 * operator. Without either, the first sheet, as always.
 */

/** How a sheet was chosen when none was named and `accepts` was given. */
export interface SheetChoice {
  /** The sheets whose header lines were looked at, in order: up to the one read, or all. */
  lookedAt: string[];
  /** False when no sheet's header line was accepted: the first sheet that is not empty is read. */
  accepted: boolean;
}

/**
 * What the operator hears of the sheet chosen in a workbook read without --sheet: nothing when it
 * was the first looked at (or the only one); the sheet read and those passed over when it was
 * not; and when no sheet was accepted, the sheets looked at, and `remedy` (customer files:
 * --sheet). `accepted` says what a header line had to have ("a column recognised as record_id").
 * For customer files, agents and complaints alike.
 */
export function describeSheetChoice(
  choice: SheetChoice | undefined,
  read: string | undefined,
  accepted: string,
  remedy?: string,
): string | undefined {
  if (!choice || choice.lookedAt.length < 2) return undefined;
  const quoted = (names: string[]) => names.map((n) => `"${n}"`).join(', ');
  if (choice.accepted)
    return `read sheet "${read}", the first whose header line has ${accepted} (passed over: ${quoted(choice.lookedAt.slice(0, -1))})`;
  return (
    `no sheet of the workbook has a header line with ${accepted}: looked at ${quoted(choice.lookedAt)} ` +
    `(the header line above is sheet "${read}"'s)${remedy ? `; ${remedy}` : ''}`
  );
}

/** A sheet to read: its name, its header line (absent: the sheet is empty) and the rows after it. */
export interface SheetRows {
  name: string;
  header: ExcelJS.Row | undefined;
  rest: AsyncIterator<ExcelJS.Row>;
  choice?: SheetChoice;
  /**
   * The workbook counts days in the 1904 date system (a Mac default of old). Streamed only: the
   * whole reader converts every date itself; the streaming one a plain cell's, not a formula's.
   */
  date1904?: boolean;
}

export interface SheetWanted {
  /** The sheet named by the user. */
  sheet?: string;
  /** Without `sheet`: whether a header line (its cells' text) is of the sheet to read. */
  accepts?: (headers: string[]) => boolean;
  /** The text of a header line's cells. */
  headerNames: (row: ExcelJS.Row) => string[];
}

/**
 * What exceljs (and jszip, and its XML parser) threw on a workbook it could not read, said as
 * such: "Cannot set properties of undefined" alone tells an operator nothing. An error of the
 * file system (a directory, no permission) is passed on as it is, for file-error.ts to word.
 */
export function notReadable(file: string, err: unknown): Error {
  const e = err as { code?: unknown; syscall?: unknown; message?: unknown } | undefined;
  if (typeof e?.syscall === 'string') return err as Error;
  let detail = String(e?.message ?? err)
    .split('\n')[0]!
    .trim();
  // jszip on a file that is not a zip archive: the rest of its message is a link to its manual.
  if (
    /end of central directory|is this a zip file|corrupted zip|End of data reached|FILE_ENDED/i.test(detail)
  )
    detail = `not a valid zip archive: ${detail.replace(/\s*If it is,.*$/, '')}`;
  return new Error(`${file}: not a readable XLSX workbook (${detail || 'unreadable'})`, { cause: err });
}

const noSheet = (file: string, want: SheetWanted) =>
  new Error(want.sheet ? `${file}: no sheet named "${want.sheet}"` : `${file}: the workbook has no sheet`);

/** The workbook read whole: every sheet's rows are in memory already, so looking costs nothing. */
export async function wholeWorkbookSheet(file: string, want: SheetWanted): Promise<SheetRows> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file).catch((err: unknown) => Promise.reject(notReadable(file, err)));
  const sheets = want.sheet ? [wb.getWorksheet(want.sheet)].filter((ws) => ws !== undefined) : wb.worksheets;
  const rowsOf = (ws: ExcelJS.Worksheet) => {
    const list: ExcelJS.Row[] = [];
    ws.eachRow({ includeEmpty: false }, (row) => {
      list.push(row);
    });
    const rest = (async function* () {
      for (let i = 1; i < list.length; i++) yield list[i]!;
    })();
    return { name: ws.name, header: list[0], rest };
  };
  const first = sheets[0];
  if (!first) throw noSheet(file, want);
  if (want.sheet || !want.accepts) return rowsOf(first);
  const lookedAt: string[] = [];
  let fallback: SheetRows | undefined;
  for (const ws of sheets) {
    lookedAt.push(ws.name);
    const s = rowsOf(ws);
    if (s.header && want.accepts(want.headerNames(s.header)))
      return { ...s, choice: { lookedAt, accepted: true } };
    if (s.header) fallback ??= s;
  }
  return { ...(fallback ?? rowsOf(first)), choice: { lookedAt, accepted: false } };
}

function streamReader(file: string) {
  return new ExcelJS.stream.xlsx.WorkbookReader(file, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'cache',
    entries: 'ignore',
  });
}

/**
 * A worksheet of exceljs's streaming reader: its `workbook` holds the workbook's properties
 * (workbook.xml, which Excel stores before the sheets) once read, as exceljs uses them itself.
 */
type StreamedSheet = {
  name: string;
  workbook?: { properties?: { model?: { date1904?: boolean } } };
} & AsyncIterable<ExcelJS.Row>;

const date1904Of = (ws: StreamedSheet) => ws.workbook?.properties?.model?.date1904 === true;

/**
 * The rows of a streamed sheet up to its header line: the first row with a value (as the whole
 * reader's `eachRow` skips rows that only carry formatting). Undefined when the sheet is empty.
 */
async function headerOf(file: string, rows: AsyncIterator<ExcelJS.Row>): Promise<ExcelJS.Row | undefined> {
  for (;;) {
    const n = await rows.next().catch((err: unknown) => Promise.reject(notReadable(file, err)));
    if (n.done) return undefined;
    if (n.value.hasValues) return n.value;
  }
}

/**
 * The workbook streamed: sheets come in the order the file stores them (for a workbook saved by
 * Excel, the order of its tabs), each only once. A sheet passed over is read to its end (exceljs
 * moves to the next sheet only then; its rows are dropped as they come). When no sheet is
 * accepted, the one to read has gone by: its header line is kept, and its rows are read again in
 * a second pass of the file, only if asked for (a caller refusing the file for its header line
 * reads none).
 */
export async function streamedWorkbookSheet(file: string, want: SheetWanted): Promise<SheetRows> {
  const sheets = streamReader(file)[Symbol.asyncIterator]();
  const lookedAt: string[] = [];
  let fallback: { index: number; name: string; header: ExcelJS.Row; date1904: boolean } | undefined;
  for (let index = 0; ; index++) {
    const s = await sheets.next().catch((err: unknown) => Promise.reject(notReadable(file, err)));
    if (s.done) break;
    const ws = s.value as unknown as StreamedSheet;
    if (want.sheet !== undefined && ws.name !== want.sheet) continue;
    const rows = ws[Symbol.asyncIterator]();
    const header = await headerOf(file, rows);
    const date1904 = date1904Of(ws);
    if (want.sheet !== undefined || !want.accepts) return { name: ws.name, header, rest: rows, date1904 };
    lookedAt.push(ws.name);
    if (header && want.accepts(want.headerNames(header)))
      return { name: ws.name, header, rest: rows, choice: { lookedAt, accepted: true }, date1904 };
    if (header) fallback ??= { index, name: ws.name, header, date1904 };
    while (!(await rows.next().catch((err: unknown) => Promise.reject(notReadable(file, err)))).done);
  }
  if (lookedAt.length === 0) throw noSheet(file, want);
  const choice = { lookedAt, accepted: false };
  if (!fallback) return { name: lookedAt[0]!, header: undefined, rest: (async function* () {})(), choice };
  return { ...fallback, rest: rereadRows(file, fallback.index, fallback.header.number), choice };
}

/** The rows after line `after` of the streamed sheet at `index`, from a new pass of the file. */
async function* rereadRows(file: string, index: number, after: number): AsyncGenerator<ExcelJS.Row> {
  const sheets = streamReader(file)[Symbol.asyncIterator]();
  for (let i = 0; ; i++) {
    const s = await sheets.next();
    if (s.done) throw new Error(`${file}: the workbook changed while it was read`);
    // Passed over as in the first pass: read to its end, rows dropped.
    if (i < index) for await (const _ of s.value as unknown as StreamedSheet);
    else {
      for await (const row of s.value as unknown as StreamedSheet) if (row.number > after) yield row;
      return;
    }
  }
}
