import type { Database, Keyring } from '@custodian/core';
import type ExcelJS from 'exceljs';
import type { Kysely } from 'kysely';
import { iterateProblems } from '../data/problem-list.js';
import { formatShanghai } from '../format.js';
import { labels, pick } from '../i18n.js';
import type { ReportDoc } from '../model.js';
import { channelName, type ProblemListData } from '../reports/problem-list.js';
import {
  COL,
  FIRST_DATA_ROW,
  instructions,
  LOCKED_COLUMNS,
  lockedValues,
  lockHash,
  outcomeChoices,
  REVIEW_FORMAT,
  reviewHeaders,
} from '../review/review-sheet.js';
import { openWorkbook, type Worksheet, XLSX_STYLE } from './xlsx-workbook.js';

/**
 * The problem-list workbook channels fill in: an instructions sheet, one protected sheet per
 * channel where only the outcome (a drop-down of the allowed outcomes), note, agent/agency and
 * corrected-values cells are unlocked, and a hidden sheet naming the format and the day. Written
 * with the streaming writer, rows fetched a keyset page at a time (50,000 rows in constant memory).
 */
export const META_SHEET = '_custodian';

const UNLOCKED: Partial<ExcelJS.Style> = {
  protection: { locked: false },
  fill: { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFF7D6' } },
  alignment: { vertical: 'top', wrapText: true },
  border: {
    top: { style: 'thin', color: { argb: 'FFD1D5DB' } },
    bottom: { style: 'thin', color: { argb: 'FFD1D5DB' } },
    left: { style: 'thin', color: { argb: 'FFD1D5DB' } },
    right: { style: 'thin', color: { argb: 'FFD1D5DB' } },
  },
};
const WRAP: Partial<ExcelJS.Style> = { alignment: { vertical: 'top', wrapText: true } };

export async function renderProblemListXlsx(
  db: Kysely<Database>,
  keyring: Keyring,
  data: ProblemListData,
  doc: ReportDoc,
  file: string,
): Promise<{ rows: number }> {
  const { lang } = doc;
  const L = labels(lang);
  const book = openWorkbook(file, doc, doc.periodLabel);
  const headers = reviewHeaders(lang);

  const info = book.addSheet(pick(lang, '填写说明', 'Instructions'), { views: [{ showGridLines: false }] });
  info.columns = [{ width: 40 }, { width: 14 }, { width: 14 }, { width: 14 }];
  const add = (ws: Worksheet, values: (string | number)[], style?: Partial<ExcelJS.Style>) => {
    const row = ws.addRow(values);
    if (style)
      row.eachCell((c: ExcelJS.Cell) => {
        c.style = style;
      });
    row.commit();
  };
  add(info, [doc.title], XLSX_STYLE.title);
  add(info, [L.period, doc.periodLabel]);
  add(info, [L.generatedAt, `${formatShanghai(doc.generatedAt)}${L.scheduledNote}`]);
  add(info, [L.marking], XLSX_STYLE.marking);
  add(info, []);
  for (const line of instructions(lang).slice(0, -1)) add(info, [line]);
  add(info, []);
  add(info, [pick(lang, '可选处理结果', 'Allowed outcomes')], XLSX_STYLE.bold);
  for (const o of outcomeChoices(lang)) add(info, [o]);
  add(info, []);
  add(
    info,
    [pick(lang, '渠道', 'Channel'), pick(lang, '问题件', 'Flags'), pick(lang, '未关闭', 'Not closed')],
    XLSX_STYLE.header,
  );
  for (const c of data.channels) add(info, [channelName(lang, c.channel), c.flags, c.open]);
  info.commit();

  const meta = book.addSheet(META_SHEET, { state: 'hidden' });
  add(meta, ['format', REVIEW_FORMAT]);
  add(meta, ['listed_on', data.day]);
  add(meta, ['lang', lang]);
  meta.commit();

  const list = `"${outcomeChoices(lang).join(',')}"`;
  let rows = 0;
  for (const c of data.channels) {
    const ws = book.addSheet(channelName(lang, c.channel), {
      views: [{ state: 'frozen', ySplit: 2, xSplit: 1 }],
    });
    ws.columns = headers.map((h, i) => ({ width: h.width, hidden: i + 1 === COL.check }));
    const title = ws.addRow([`${doc.title} — ${channelName(lang, c.channel)}`]);
    title.getCell(1).style = XLSX_STYLE.bold;
    title.getCell(COL.outcome).value = L.marking;
    title.getCell(COL.outcome).style = XLSX_STYLE.marking;
    title.commit();
    add(
      ws,
      headers.map((h) => h.label),
      XLSX_STYLE.header,
    );
    let last = FIRST_DATA_ROW - 1;
    for await (const page of iterateProblems(db, data.day, c.channel)) {
      for (const r of page) {
        const locked = lockedValues(lang, r);
        const row = ws.addRow([...locked, null, null, null, null, lockHash(keyring, locked)]);
        // Only the reason wraps: every styled cell costs the streaming writer a style look-up.
        row.getCell(9).style = WRAP;
        for (let col = LOCKED_COLUMNS + 1; col < COL.check; col++) row.getCell(col).style = UNLOCKED;
        row.commit();
        last = row.number;
        rows++;
      }
    }
    if (last >= FIRST_DATA_ROW) {
      // The streaming writer has `dataValidations` (written at commit); exceljs's types omit it.
      (
        ws as unknown as { dataValidations: { add(range: string, v: ExcelJS.DataValidation): void } }
      ).dataValidations.add(`O${FIRST_DATA_ROW}:O${last}`, {
        type: 'list',
        allowBlank: true,
        formulae: [list],
        showErrorMessage: true,
        errorStyle: 'stop',
        errorTitle: pick(lang, '处理结果无效', 'Invalid outcome'),
        error: pick(lang, '请从下拉列表中选择处理结果', 'Choose an outcome from the list'),
      });
      ws.autoFilter = { from: { row: 2, column: 1 }, to: { row: 2, column: LOCKED_COLUMNS } };
    }
    await ws.protect('', {
      selectLockedCells: true,
      selectUnlockedCells: true,
      formatColumns: true,
      formatRows: true,
      autoFilter: true,
      sort: false,
      insertRows: false,
      deleteRows: false,
    });
    ws.commit();
  }
  await book.finish();
  return { rows };
}
