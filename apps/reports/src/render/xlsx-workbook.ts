import ExcelJS from 'exceljs';
import { labels } from '../i18n.js';
import type { ReportDoc } from '../model.js';
import { fixZipTimestamps } from './zip-timestamps.js';

/**
 * The streaming workbook every XLSX report is written with (rows go to disk as they are added;
 * styles on, which conditional formats and unlocked cells need). Deterministic: document
 * properties carry the report's scheduled time, and every ZIP entry is re-stamped with it when the
 * workbook is finished.
 */
export type Worksheet = ExcelJS.Worksheet;

export interface OpenWorkbook {
  wb: ExcelJS.stream.xlsx.WorkbookWriter;
  /** A worksheet with the print header and footer (title, marking, page n of m). */
  addSheet(name: string, options?: Partial<ExcelJS.AddWorksheetOptions>): Worksheet;
  finish(): Promise<void>;
}

/** Sheet names: at most 31 characters, none of : \ / ? * [ ], unique within the workbook. */
export function sheetNamer(): (name: string) => string {
  const used = new Set<string>();
  return (name) => {
    const base = name.replace(/[:\\/?*[\]]/g, '_').slice(0, 31) || 'Sheet';
    let candidate = base;
    for (let n = 2; used.has(candidate.toLowerCase()); n++) {
      const suffix = ` (${n})`;
      candidate = base.slice(0, 31 - suffix.length) + suffix;
    }
    used.add(candidate.toLowerCase());
    return candidate;
  };
}

/** Excel header/footer codes need `&` doubled in literal text. */
function hf(text: string): string {
  return text.replace(/&/g, '&&');
}

export function openWorkbook(
  file: string,
  report: Pick<ReportDoc, 'title' | 'lang' | 'generatedAt'>,
  periodText: string,
): OpenWorkbook {
  const L = labels(report.lang);
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({
    filename: file,
    useStyles: true,
    useSharedStrings: false,
  });
  wb.creator = 'Custodian';
  wb.lastModifiedBy = 'Custodian';
  wb.created = report.generatedAt;
  wb.modified = report.generatedAt;
  const nameOf = sheetNamer();
  return {
    wb,
    addSheet(name, options = {}) {
      return wb.addWorksheet(nameOf(name), {
        headerFooter: {
          oddHeader: `&L${hf(report.title)}&R&"-,Bold"&KB91C1C${hf(L.marking)}`,
          oddFooter: `&L${hf(`${L.period} ${periodText}`)}&C${hf(L.marking)}&R&P / &N`,
        },
        pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
        ...options,
      } as Partial<ExcelJS.AddWorksheetOptions>);
    },
    async finish() {
      await wb.commit();
      await fixZipTimestamps(file, report.generatedAt);
    },
  };
}

export const XLSX_STYLE = {
  title: { font: { bold: true, size: 14 } } as Partial<ExcelJS.Style>,
  marking: { font: { bold: true, color: { argb: 'FFB91C1C' } } } as Partial<ExcelJS.Style>,
  header: {
    font: { bold: true },
    fill: { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE5EDF7' } },
    alignment: { vertical: 'middle', wrapText: true },
    border: { bottom: { style: 'thin', color: { argb: 'FF9CA3AF' } } },
  } as Partial<ExcelJS.Style>,
  bold: { font: { bold: true } } as Partial<ExcelJS.Style>,
  note: {
    font: { italic: true, color: { argb: 'FF6B7280' } },
    alignment: { wrapText: false },
  } as Partial<ExcelJS.Style>,
};
