import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import { openTable, type TableRow } from './table-reader.js';

const dir = mkdtempSync(join(tmpdir(), 'table-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function writeXlsx(file: string, rows: ExcelJS.CellValue[][]): Promise<void> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('客户');
  for (const r of rows) ws.addRow(r);
  await wb.xlsx.writeFile(file);
}

async function readAll(file: string): Promise<TableRow[]> {
  const table = await openTable(file);
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
