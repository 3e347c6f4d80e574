import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import { openTable, type ReadTableOptions, type TableRow } from './table-reader.js';

const dir = mkdtempSync(join(tmpdir(), 'table-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function writeXlsx(file: string, rows: ExcelJS.CellValue[][]): Promise<void> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('客户');
  for (const r of rows) ws.addRow(r);
  await wb.xlsx.writeFile(file);
}

async function readAll(file: string, opts: ReadTableOptions = {}): Promise<TableRow[]> {
  const table = await openTable(file, opts);
  const rows: TableRow[] = [];
  for await (const r of table.rows) rows.push(r);
  return rows;
}

describe('XLSX numbers', () => {
  // What Excel hands over for an 18- or 19-digit number typed into a cell: a double, digits lost.
  it('quarantines a number cell that cannot hold its digits (an ID or account typed as a number), without its value', async () => {
    const file = join(dir, 'numbers.xlsx');
    await writeXlsx(file, [
      ['记录编号', '证件号码', '手机号码', '银行账号', '保费'],
      ['X1', '370702196301115263', 13912345678, '6227002130268297001', 1234.5],
      ['X2', Number('370702196301115263'), 13912345679, '6227002130268297001', 88],
      ['X3', '110101199003070011', 13912345670, Number('6227002130268297001'), 0.1],
      ['X4', 110101900307001, 13912345671, '', 0.1 + 0.2],
      ['X5', '', 13912345672, { formula: 'D4*1', result: Number('6227002130268297001') }, 1],
    ]);
    const rows = await readAll(file);
    expect(rows.map((r) => [r.kind, r.line, r.kind === 'bad' ? r.column : null])).toEqual([
      ['row', 2, null],
      ['bad', 3, '证件号码'],
      ['bad', 4, '银行账号'],
      ['row', 5, null],
      ['bad', 6, '银行账号'],
    ]);
    for (const r of rows) {
      if (r.kind !== 'bad') continue;
      expect(r.reason).toBe(
        'stored as a number in Excel: digits may have been lost; format the column as text',
      );
    }
    // A 15-digit number and an 11-digit phone are exact, and read as their digits; float noise is no loss.
    expect(rows[3]).toMatchObject({
      values: ['X4', '110101900307001', '13912345671', '', String(0.1 + 0.2)],
    });
  });

  it('says an empty sheet is empty', async () => {
    const file = join(dir, 'empty.xlsx');
    await writeXlsx(file, []);
    await expect(openTable(file)).rejects.toThrow(/empty\.xlsx: the sheet is empty/);
  });
});

/** Both of exceljs's readers: the whole workbook (up to 64 MiB) and the streaming one (above). */
const READERS: [string, ReadTableOptions][] = [
  ['read whole', {}],
  ['streamed', { fullReadMaxBytes: 0 }],
];

describe.each(READERS)('XLSX cell values, %s', (reader, opts) => {
  const streamed = reader === 'streamed';

  it('reads every kind of cell as the text it shows', async () => {
    const file = join(dir, `shapes-${streamed ? 's' : 'w'}.xlsx`);
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('客户');
    ws.addRow(['记录编号', '投保人姓名', '联系地址', '同意采集', '出生日期', '保费', '分支机构']);
    ws.addRow([
      'S1',
      { richText: [{ text: '张', font: { bold: true } }, { text: '三' }] },
      { text: '上海市浦东新区', hyperlink: 'https://example.com/a' },
      true,
      new Date(Date.UTC(1990, 2, 7)),
      { formula: 'F3*2', result: 0 },
      { formula: '"上海"&"分公司"', result: '上海分公司' },
    ]);
    ws.addRow([
      'S2',
      '李四',
      { text: { richText: [{ text: '北京市' }, { text: '海淀区' }] }, hyperlink: 'mailto:x@example.com' },
      false,
      { formula: 'DATE(1985,12,31)', result: new Date(Date.UTC(1985, 11, 31)) },
      { sharedFormula: 'F2', result: 1234.5 },
      { formula: 'G2', result: '上海分公司' },
    ]);
    ws.getCell('E3').numFmt = 'yyyy-mm-dd';
    await wb.xlsx.writeFile(file);
    const rows = await readAll(file, opts);
    expect(rows).toEqual([
      {
        kind: 'row',
        line: 2,
        // The streaming reader ignores hyperlinks: the cell's text is read as plain text.
        values: ['S1', '张三', '上海市浦东新区', 'true', '1990-03-07', '0', '上海分公司'],
      },
      {
        kind: 'row',
        line: 3,
        values: ['S2', '李四', '北京市海淀区', 'false', '1985-12-31', '1234.5', '上海分公司'],
      },
    ]);
  });

  it("reads a formula's true or false as a plain cell's, whole; as 1 or 0 streamed", async () => {
    // exceljs's streaming reader parses every result that is not text as a number.
    const file = join(dir, `bool-${streamed ? 's' : 'w'}.xlsx`);
    await writeXlsx(file, [
      ['记录编号', '同意采集'],
      ['B1', { formula: 'TRUE()', result: true }],
      ['B2', { formula: '1=2', result: false }],
    ]);
    const rows = await readAll(file, opts);
    expect(rows.map((r) => (r.kind === 'row' ? r.values[1] : r.reason))).toEqual(
      streamed ? ['1', '0'] : ['true', 'false'],
    );
  });

  it('quarantines a formula without a computed value and an Excel error, naming the column, and reads on', async () => {
    const file = join(dir, `formulas-${streamed ? 's' : 'w'}.xlsx`);
    await writeXlsx(file, [
      ['记录编号', '投保人姓名', '证件号码', '手机号码'],
      ['F1', '王五', '110101199003070011', '13912345670'],
      // Written by a program that does not compute (exceljs, openpyxl): no cached result.
      ['F2', '赵六', { formula: 'CONCATENATE("11010119900307","0011")' }, '13912345671'],
      ['F3', '孙七', '110101199003070011', { error: '#N/A' }],
      [
        'F4',
        '周八',
        { formula: 'VLOOKUP(A5,Sheet2!A:B,2,FALSE)', result: { error: '#REF!' } },
        '13912345673',
      ],
      ['F5', '吴九', '110101199003070011', '13912345674'],
    ]);
    const rows = await readAll(file, opts);
    expect(rows.map((r) => [r.kind, r.line, r.kind === 'bad' ? r.column : null])).toEqual([
      ['row', 2, null],
      ['bad', 3, '证件号码'],
      ['bad', 4, '手机号码'],
      ['bad', 5, '证件号码'],
      ['row', 6, null],
    ]);
    const reasons = rows.flatMap((r) => (r.kind === 'bad' ? [r.reason] : []));
    expect(reasons).toEqual([
      'a formula without a computed value: open and save the workbook in Excel, or paste the column as values',
      'an Excel error value #N/A: correct the cell in Excel',
      // The streaming reader reads an error result as NaN: its code is lost.
      streamed
        ? 'a formula whose result is an Excel error'
        : 'an Excel error value #REF!: correct the cell in Excel',
    ]);
    for (const r of reasons) expect(r).not.toMatch(/[\u4e00-\u9fff]|\d{6,}|object/);
    // Kept, not lost: the quarantined row holds the other cells and what the cell held.
    expect(rows[1]).toMatchObject({ raw: 'F2,赵六,=CONCATENATE("11010119900307","0011"),13912345671' });
    expect(rows[2]).toMatchObject({ raw: 'F3,孙七,110101199003070011,#N/A' });
  });
});

describe.each(READERS)('XLSX dates from formulas, %s', (reader, opts) => {
  it("reads a formula's text in a date-formatted cell as text streamed; whole, exceljs loses it: quarantined", async () => {
    const file = join(dir, `text-date-${reader === 'streamed' ? 's' : 'w'}.xlsx`);
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('客户');
    ws.addRow(['记录编号', '签单日期']);
    ws.addRow(['T1', { formula: 'TEXT(NOW(),"yyyy/mm/dd")', result: '2026/11/02' }]);
    ws.getCell('B2').numFmt = 'yyyy-mm-dd';
    await wb.xlsx.writeFile(file);
    const [row] = await readAll(file, opts);
    expect(row).toEqual(
      reader === 'streamed'
        ? { kind: 'row', line: 2, values: ['T1', '2026/11/02'] }
        : {
            kind: 'bad',
            line: 2,
            column: '签单日期',
            reason: "a formula's text in a date-formatted cell: format the column as text",
            raw: 'T1,',
          },
    );
  });
});

describe.each(READERS)('XLSX workbook variants, %s', (reader, opts) => {
  const tag = reader === 'streamed' ? 's' : 'w';

  it('reads dates of a workbook in the 1904 date system (a Mac default of old), plain and from formulas', async () => {
    const file = join(dir, `date1904-${tag}.xlsx`);
    const wb = new ExcelJS.Workbook();
    wb.properties.date1904 = true;
    const ws = wb.addWorksheet('客户');
    ws.addRow(['记录编号', '出生日期', '签单日期']);
    // Day 31,047 of the 1904 system is 1989-01-01; of the 1900 system, 1984-12-31.
    ws.addRow(['D1', new Date(Date.UTC(1990, 2, 7)), { formula: 'DATE(1989,1,1)', result: 31047 }]);
    ws.getCell('C2').numFmt = 'yyyy-mm-dd';
    await wb.xlsx.writeFile(file);
    expect(await readAll(file, opts)).toEqual([
      { kind: 'row', line: 2, values: ['D1', '1990-03-07', '1989-01-01'] },
    ]);
  });

  it('reads a workbook whose zip entries are stored uncompressed, with or without data descriptors', async () => {
    for (const zip of [{ compression: 'STORE' }, { compression: 'STORE', streamFiles: true }]) {
      const file = join(dir, `stored-${zip.streamFiles ? 'dd' : 'plain'}-${tag}.xlsx`);
      const wb = new ExcelJS.Workbook();
      wb.addWorksheet('说明').addRow(['本文件为客户资料导出']);
      const ws = wb.addWorksheet('客户');
      ws.addRow(['记录编号', '投保人姓名']);
      for (let i = 1; i <= 500; i++) ws.addRow([`S${i}`, '欧阳娜娜']);
      // exceljs hands these options to JSZip, which writes stored (method 0) entries.
      await wb.xlsx.writeFile(file, { zip } as Partial<ExcelJS.XlsxWriteOptions>);
      const bytes = readFileSync(file);
      expect(bytes.readUInt16LE(8)).toBe(0);
      const table = await openTable(file, { ...opts, acceptsHeader: (h) => h.includes('记录编号') });
      const rows: TableRow[] = [];
      for await (const r of table.rows) rows.push(r);
      expect(table.info.sheet).toBe('客户');
      expect(rows).toHaveLength(500);
      expect(rows[499]).toEqual({ kind: 'row', line: 501, values: ['S500', '欧阳娜娜'] });
    }
  });
});

describe.each(READERS)('XLSX sheet choice, %s', (reader, opts) => {
  const tag = reader === 'streamed' ? 's' : 'w';
  const hasRecordId = (headers: string[]) => headers.includes('记录编号');
  async function workbook(name: string, sheets: [string, ExcelJS.CellValue[][]][]): Promise<string> {
    const wb = new ExcelJS.Workbook();
    for (const [sheet, rows] of sheets) wb.addWorksheet(sheet).addRows(rows);
    const file = join(dir, `${name}-${tag}.xlsx`);
    await wb.xlsx.writeFile(file);
    return file;
  }
  async function rowsOf(file: string, o: ReadTableOptions) {
    const table = await openTable(file, { ...opts, ...o });
    const rows: TableRow[] = [];
    for await (const r of table.rows) rows.push(r);
    return { info: table.info, rows };
  }
  const COVER: [string, ExcelJS.CellValue[][]] = [
    '说明',
    [['本文件为客户资料导出，请勿外传'], [], ['导出日期：2026-11-20']],
  ];

  it('reads the first sheet whose header line is accepted, saying which sheets it looked at', async () => {
    const file = await workbook('cover', [
      COVER,
      [
        '客户',
        [
          ['记录编号', '姓名'],
          ['C1', '张三'],
          ['C2', '李四'],
        ],
      ],
      [
        '客户2',
        [
          ['记录编号', '姓名'],
          ['D1', '王五'],
        ],
      ],
    ]);
    const { info, rows } = await rowsOf(file, { acceptsHeader: hasRecordId });
    expect(info).toMatchObject({
      headers: ['记录编号', '姓名'],
      sheet: '客户',
      sheetChoice: { lookedAt: ['说明', '客户'], accepted: true },
    });
    expect(rows).toEqual([
      { kind: 'row', line: 2, values: ['C1', '张三'] },
      { kind: 'row', line: 3, values: ['C2', '李四'] },
    ]);
    // Without the test, or with a sheet named, as before: the first sheet, or the one named.
    expect((await rowsOf(file, {})).info).toMatchObject({
      sheet: '说明',
      headers: ['本文件为客户资料导出，请勿外传'],
    });
    expect((await rowsOf(file, {})).info.sheetChoice).toBeUndefined();
    const named = await rowsOf(file, { sheet: '客户2', acceptsHeader: hasRecordId });
    expect(named.info).toMatchObject({ sheet: '客户2' });
    expect(named.info.sheetChoice).toBeUndefined();
    expect(named.rows).toEqual([{ kind: 'row', line: 2, values: ['D1', '王五'] }]);
  });

  it('reads the first sheet when it is accepted', async () => {
    const file = await workbook('first', [['客户', [['记录编号'], ['F1']]], COVER]);
    const { info, rows } = await rowsOf(file, { acceptsHeader: hasRecordId });
    expect(info).toMatchObject({ sheet: '客户', sheetChoice: { lookedAt: ['客户'], accepted: true } });
    expect(rows).toEqual([{ kind: 'row', line: 2, values: ['F1'] }]);
  });

  it('reads the first sheet that is not empty when none is accepted, naming every sheet looked at', async () => {
    const file = await workbook('none', [
      ['Sheet1', []],
      COVER,
      [
        '客户',
        [
          ['编号', '姓名'],
          ['N1', '张三'],
        ],
      ],
    ]);
    const { info, rows } = await rowsOf(file, { acceptsHeader: hasRecordId });
    expect(info).toMatchObject({
      sheet: '说明',
      headers: ['本文件为客户资料导出，请勿外传'],
      sheetChoice: { lookedAt: ['Sheet1', '说明', '客户'], accepted: false },
    });
    expect(rows).toEqual([{ kind: 'row', line: 3, values: ['导出日期：2026-11-20'] }]);
    const empty = await workbook('all-empty', [
      ['A', []],
      ['B', []],
    ]);
    await expect(openTable(empty, { ...opts, acceptsHeader: hasRecordId })).rejects.toThrow(
      `${empty}: every sheet is empty ("A", "B")`,
    );
  });
});

describe('XLSX merged cells', () => {
  it('reads a cell covered by a merge as the merged range', async () => {
    const file = join(dir, 'merged.xlsx');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('客户');
    ws.addRow(['记录编号', '分支机构']);
    ws.addRow(['M1', '上海分公司']);
    ws.addRow(['M2', null]);
    ws.mergeCells('B2:B3');
    await wb.xlsx.writeFile(file);
    const rows = await readAll(file);
    expect(rows.map((r) => (r.kind === 'row' ? r.values : r.reason))).toEqual([
      ['M1', '上海分公司'],
      ['M2', '上海分公司'],
    ]);
  });
});

/**
 * An OLE2 compound file as far as the reader looks at it ([MS-CFB] 2.2): the signature, 512-byte
 * sectors, the directory in sector 0 (just after the header) with the given entry names.
 */
function ole2File(file: string, entries: string[]): void {
  const buf = Buffer.alloc(512 * 3);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(buf, 0);
  buf.writeUInt16LE(0x3e, 0x18);
  buf.writeUInt16LE(3, 0x1a);
  buf.writeUInt16LE(0xfffe, 0x1c);
  buf.writeUInt16LE(9, 0x1e);
  buf.writeUInt16LE(6, 0x20);
  buf.writeUInt32LE(0, 0x30);
  entries.forEach((name, i) => {
    const at = 512 + i * 128;
    buf.write(name, at, 'utf16le');
    buf.writeUInt16LE((name.length + 1) * 2, at + 0x40);
  });
  writeFileSync(file, buf);
}

describe('file kind', () => {
  it('fails an Excel 97-2003 workbook, whatever its name, saying so', async () => {
    for (const name of ['legacy.xls', 'legacy.csv', 'legacy.xlsx']) {
      const file = join(dir, name);
      ole2File(file, ['Root Entry', 'Workbook', '\u0005SummaryInformation']);
      await expect(openTable(file)).rejects.toThrow(
        `${file}: an Excel 97-2003 (.xls) workbook: save it as .xlsx or CSV`,
      );
    }
  });

  it('fails a password-protected workbook (also an OLE2 file) saying that instead', async () => {
    const file = join(dir, 'locked.xlsx');
    ole2File(file, ['Root Entry', '\u0006DataSpaces', 'EncryptionInfo', 'EncryptedPackage']);
    await expect(openTable(file)).rejects.toThrow(
      `${file}: a password-protected workbook: save it without a password as .xlsx, or as CSV`,
    );
  });

  it("fails an HTML page saved as .xls (a web system's 'Excel' export), whatever its name, saying so", async () => {
    const pages = [
      '<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><meta charset="utf-8"></head><body><table><tr><td>记录编号</td></tr></table></body></html>',
      '\uFEFF\r\n  <!DOCTYPE html>\n<html><body><table><tr><td>记录编号</td></tr></table></body></html>',
      '\n\t<TABLE border="1"><tr><td>记录编号</td><td>姓名</td></tr><tr><td>R1</td><td>张三</td></tr></TABLE>',
    ];
    for (const [i, page] of pages.entries()) {
      for (const name of [`web-${i}.xls`, `web-${i}.csv`, `web-${i}.xlsx`]) {
        const file = join(dir, name);
        writeFileSync(file, page);
        await expect(openTable(file)).rejects.toThrow(
          `${file}: an HTML page (a web system's 'Excel' export), not a spreadsheet: open it in Excel and save as .xlsx`,
        );
      }
    }
    // GBK pages and UTF-16 ones (with a BOM) too.
    const gbk = join(dir, 'web-gbk.xls');
    writeFileSync(
      gbk,
      Buffer.concat([
        Buffer.from('<html><head><meta charset="gbk"></head><body>'),
        Buffer.from([0xbc, 0xc7]),
      ]),
    );
    const u16 = join(dir, 'web-u16.xls');
    writeFileSync(
      u16,
      Buffer.concat([
        Buffer.from([0xff, 0xfe]),
        Buffer.from('<table><tr><td>x</td></tr></table>', 'utf16le'),
      ]),
    );
    for (const file of [gbk, u16])
      await expect(openTable(file)).rejects.toThrow(/an HTML page \(a web system's 'Excel' export\)/);
    // A CSV whose first cell merely starts with '<' is a CSV.
    const csv = join(dir, 'angle.csv');
    writeFileSync(csv, '<备注>,记录编号\nx,R1\n');
    expect((await openTable(csv)).info.headers).toEqual(['<备注>', '记录编号']);
  });

  it('fails an XLSX workbook named .csv or .txt, saying it must be named .xlsx', async () => {
    const xlsx = join(dir, 'named.xlsx');
    await writeXlsx(xlsx, [['记录编号'], ['N1']]);
    for (const name of ['named.csv', 'named.txt']) {
      const file = join(dir, name);
      copyFileSync(xlsx, file);
      await expect(openTable(file)).rejects.toThrow(
        `${file}: an XLSX workbook (a zip archive) named ${name.slice(5)}: a workbook must be named .xlsx to be read as one`,
      );
    }
  });

  describe.each(READERS)('a damaged workbook, %s', (_reader, opts) => {
    it('says a truncated workbook is not a readable XLSX workbook', async () => {
      const file = join(dir, `cut-${opts.fullReadMaxBytes ?? 'w'}.xlsx`);
      await writeXlsx(file, [
        ['记录编号', '投保人姓名'],
        ['D1', '张三'],
      ]);
      writeFileSync(file, readFileSync(file).subarray(0, 3000));
      const err = await openTable(file, opts).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(
        new RegExp(
          `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a readable XLSX workbook \\(not a valid zip archive: .+\\)$`,
        ),
      );
    });
  });

  it('wraps what exceljs throws on a broken sheet', async () => {
    // Stored, not compressed, so that one cell reference can be broken in place (jszip does not
    // check the CRC): exceljs then throws its own "A Cell needs a Row".
    const file = join(dir, 'broken-sheet.xlsx');
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('客户').addRows([
      ['记录编号', '投保人姓名'],
      ['D1', '张三'],
    ]);
    await wb.xlsx.writeFile(file, { zip: { compression: 'STORE' } });
    const bytes = readFileSync(file).toString('latin1');
    expect(bytes).toContain('<c r="A2"');
    writeFileSync(file, Buffer.from(bytes.replace('<c r="A2"', '<c r="!!"'), 'latin1'));
    await expect(openTable(file)).rejects.toThrow(
      `${file}: not a readable XLSX workbook (A Cell needs a Row)`,
    );
  });
});
