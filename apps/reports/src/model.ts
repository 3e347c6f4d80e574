import type { Lang } from './i18n.js';
import type { Period } from './periods.js';

/**
 * A report as the renderers see it: a title, its period, and blocks in reading order. Each kind
 * (src/reports/*.ts) turns its query results into this, and the same document is rendered as PDF
 * and as XLSX, so the two files of a report always say the same thing. Values are already masked
 * and already labelled in the report's language.
 */
export type CellValue = string | number | null;

export interface Column {
  label: string;
  /** Relative width: the PDF shares the page width in proportion; the XLSX uses it as characters. */
  width: number;
  align?: 'left' | 'right' | 'center';
  /** `pct` values are fractions (0.25 → 25.0%). */
  format?: 'text' | 'int' | 'pct';
}

export interface TextBlock {
  type: 'text';
  style: 'heading' | 'body' | 'note';
  text: string;
}

export interface KpiBlock {
  type: 'kpis';
  title: string;
  items: { label: string; value: CellValue; previous?: CellValue; format?: 'int' | 'pct' | 'text' }[];
}

export interface TableBlock {
  type: 'table';
  /** Worksheet name of the XLSX (at most 31 characters, unique in the report). */
  sheet: string;
  title: string;
  columns: Column[];
  /**
   * The rows, a page at a time. A function, so that each renderer runs its own pass over the
   * data (keyset pages from the database) instead of holding every row in memory.
   */
  rows: () => AsyncIterable<CellValue[][]>;
  /** Shown instead of an empty table. */
  emptyText: string;
  /**
   * The PDF shows at most this many rows and then says how many the workbook holds: a list of
   * tens of thousands of rows is read in the workbook, not on a thousand printed pages.
   */
  pdfRowLimit?: number;
  /** The number of rows, when known before rendering (for that note). */
  total?: number;
}

/** Row limit of long lists in the PDFs (about 40 pages of a landscape table). */
export const PDF_ROW_LIMIT = 2000;

export interface ChartBlock {
  type: 'chart';
  chart: 'bar' | 'line';
  title: string;
  categories: string[];
  series: { name: string; values: number[] }[];
  /** Label of the values axis. */
  unit?: string;
}

export type Block = TextBlock | KpiBlock | TableBlock | ChartBlock;

export interface ReportDoc {
  kind: string;
  lang: Lang;
  title: string;
  period: Period;
  /** The period as printed on every page (`2026年11月`, `2026-W47 (2026-11-16 – 2026-11-22)`). */
  periodLabel: string;
  /**
   * The generation time printed on every page and written as the PDF's CreationDate: the
   * scheduled time of the period, not the wall clock, so that building the same report twice gives
   * the same bytes (issue 5: "same content twice").
   */
  generatedAt: Date;
  blocks: Block[];
}

/** Rows already in memory, as the one page `TableBlock.rows` expects. */
export function staticRows(rows: CellValue[][]): () => AsyncIterable<CellValue[][]> {
  return async function* () {
    if (rows.length > 0) yield rows;
  };
}
