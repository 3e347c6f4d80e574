import type ExcelJS from 'exceljs';
import { formatShanghai } from '../format.js';
import { labels } from '../i18n.js';
import type { ChartBlock, Column, ReportDoc, TableBlock } from '../model.js';
import { kpiTable } from './pdf-report.js';
import { openWorkbook, type Worksheet, XLSX_STYLE } from './xlsx-workbook.js';

/**
 * Renders a report document as a workbook: a summary sheet (title, period, generation time,
 * marking, the texts and key figures in reading order), one sheet per table, and a chart-data
 * sheet. exceljs cannot write native charts, so the numbers behind each PDF chart are laid out
 * there as plain tables (the sheet says so).
 */
export async function renderXlsx(report: ReportDoc, file: string): Promise<void> {
  const L = labels(report.lang);
  const book = openWorkbook(file, report, report.periodLabel);
  const summary = book.addSheet(L.summary, { views: [{ showGridLines: false }] });
  summary.columns = [{ width: 46 }, { width: 16 }, { width: 16 }, { width: 14 }];
  addRow(summary, [report.title], XLSX_STYLE.title);
  addRow(summary, [L.period, report.periodLabel]);
  addRow(summary, [L.generatedAt, `${formatShanghai(report.generatedAt)}${L.scheduledNote}`]);
  addRow(summary, [L.marking], XLSX_STYLE.marking);
  addRow(summary, []);

  const tables: TableBlock[] = [];
  const charts: ChartBlock[] = [];
  for (const block of report.blocks) {
    if (block.type === 'text') {
      addRow(
        summary,
        [block.text],
        block.style === 'heading' ? XLSX_STYLE.bold : block.style === 'note' ? XLSX_STYLE.note : undefined,
      );
    } else if (block.type === 'kpis') {
      const t = kpiTable(block, report);
      addRow(summary, [t.title], XLSX_STYLE.bold);
      addRow(
        summary,
        t.columns.map((c) => c.label),
        XLSX_STYLE.header,
      );
      for await (const page of t.rows()) for (const r of page) addRow(summary, r);
      addRow(summary, []);
    } else if (block.type === 'table') {
      tables.push(block);
      addRow(summary, [`${block.title} → ${block.sheet}`], XLSX_STYLE.note);
    } else {
      charts.push(block);
    }
  }
  if (charts.length > 0) addRow(summary, [`${L.chartData} → ${L.chartData}`], XLSX_STYLE.note);
  summary.commit();

  for (const t of tables) {
    await writeTableSheet(book.addSheet(t.sheet, { views: [{ state: 'frozen', ySplit: 2 }] }), t, report);
  }
  if (charts.length > 0) writeChartSheet(book.addSheet(L.chartData), charts, report);
  await book.finish();
}

function addRow(
  ws: Worksheet,
  values: (string | number | null)[],
  style?: Partial<ExcelJS.Style>,
): ExcelJS.Row {
  const row = ws.addRow(values);
  if (style) {
    row.eachCell((cell: ExcelJS.Cell) => {
      cell.style = style;
    });
  }
  row.commit();
  return row;
}

function applyFormats(row: ExcelJS.Row, columns: Column[]): void {
  columns.forEach((c, i) => {
    const cell = row.getCell(i + 1);
    if (c.format === 'pct' && typeof cell.value === 'number') cell.numFmt = '0.0%';
    else if (c.format === 'int' && typeof cell.value === 'number') cell.numFmt = '#,##0';
    if (c.align === 'right') cell.alignment = { horizontal: 'right' };
  });
}

/** Row 1: title and marking; row 2: the header (frozen, filterable); data from row 3. */
async function writeTableSheet(ws: Worksheet, t: TableBlock, report: ReportDoc): Promise<void> {
  const L = labels(report.lang);
  ws.columns = t.columns.map((c) => ({ width: Math.max(8, Math.min(60, c.width * 4)) }));
  const title = ws.addRow([`${t.title} — ${report.periodLabel}`]);
  title.getCell(1).style = XLSX_STYLE.bold;
  title.getCell(Math.max(t.columns.length, 2)).value = L.marking;
  title.getCell(Math.max(t.columns.length, 2)).style = XLSX_STYLE.marking;
  title.commit();
  addRow(
    ws,
    t.columns.map((c) => c.label),
    XLSX_STYLE.header,
  );
  let n = 0;
  for await (const page of t.rows()) {
    for (const r of page) {
      const row = ws.addRow(r);
      applyFormats(row, t.columns);
      row.commit();
      n++;
    }
  }
  if (n === 0) addRow(ws, [t.emptyText], XLSX_STYLE.note);
  else ws.autoFilter = { from: { row: 2, column: 1 }, to: { row: 2, column: t.columns.length } };
  ws.commit();
}

function writeChartSheet(ws: Worksheet, charts: ChartBlock[], report: ReportDoc): void {
  const L = labels(report.lang);
  ws.columns = [{ width: 28 }, ...Array.from({ length: 6 }, () => ({ width: 16 }))];
  addRow(ws, [L.chartDataNote], XLSX_STYLE.note);
  addRow(ws, []);
  for (const c of charts) {
    addRow(ws, [c.title], XLSX_STYLE.bold);
    addRow(ws, [c.unit ?? '', ...c.series.map((s) => s.name)], XLSX_STYLE.header);
    c.categories.forEach((cat, i) => {
      addRow(ws, [cat, ...c.series.map((s) => s.values[i] ?? null)]);
    });
    addRow(ws, []);
  }
  ws.commit();
}
