import { createWriteStream } from 'node:fs';
import PDFDocument from 'pdfkit';
import { formatShanghai } from '../format.js';
import { labels } from '../i18n.js';
import type { ReportDoc } from '../model.js';
import { FONT_BOLD, FONT_FILES, FONT_REGULAR } from './fonts.js';

/**
 * The page frame of every PDF report: A4, the Chinese font, and on every page a header (report
 * title, the confidentiality marking 内部资料 注意保密) and a footer (period, generation time,
 * page n of m). Pages are buffered (`bufferPages`) so that the total is known when the frame is
 * drawn at the end.
 *
 * Deterministic: CreationDate and ModDate are the report's scheduled generation time, so that the
 * same data gives the same bytes (pdfkit derives the file ID from them too).
 */
export type Pdf = PDFKit.PDFDocument;

export const MARGIN = 42;
const BODY_TOP = 54;
const BODY_BOTTOM_GAP = 44;

/** The drawable box of the current page (portrait or landscape). */
export function pageBox(doc: Pdf): { left: number; width: number; top: number; bottom: number } {
  return {
    left: MARGIN,
    width: doc.page.width - 2 * MARGIN,
    top: BODY_TOP,
    bottom: doc.page.height - BODY_BOTTOM_GAP,
  };
}

export const COLORS = {
  text: '#1f2937',
  muted: '#6b7280',
  rule: '#d1d5db',
  marking: '#b91c1c',
  headerFill: '#e5edf7',
  zebra: '#f6f8fb',
  series: ['#2f6db5', '#e07b39', '#4a9d5b', '#b8455b', '#7d5ba6', '#8c8c8c'],
};

export interface OpenPdf {
  doc: Pdf;
  /** Ends the document after drawing the frame on every page; resolves when the file is written. */
  finish(): Promise<void>;
}

export function openPdf(
  file: string,
  report: Pick<ReportDoc, 'title' | 'lang' | 'generatedAt' | 'kind'>,
  periodText: string,
  layout: 'portrait' | 'landscape' = 'portrait',
): OpenPdf {
  const doc = new PDFDocument({
    size: 'A4',
    layout,
    bufferPages: true,
    autoFirstPage: false,
    lang: report.lang === 'en' ? 'en' : 'zh-CN',
    displayTitle: true,
    margins: { top: BODY_TOP, bottom: BODY_BOTTOM_GAP, left: MARGIN, right: MARGIN },
    info: {
      Title: report.title,
      Subject: periodText,
      Author: 'Custodian',
      Creator: 'Custodian reports',
      Producer: 'Custodian reports (pdfkit)',
      Keywords: `${report.kind}; ${labels(report.lang).marking}`,
      CreationDate: report.generatedAt,
      ModDate: report.generatedAt,
    },
  });
  doc.registerFont(FONT_REGULAR, FONT_FILES.regular);
  doc.registerFont(FONT_BOLD, FONT_FILES.bold);
  const out = createWriteStream(file);
  const written = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
  });
  doc.pipe(out);
  doc.addPage();
  doc.font(FONT_REGULAR).fontSize(9).fillColor(COLORS.text);

  return {
    doc,
    async finish() {
      drawFrame(doc, report, periodText);
      doc.end();
      await written;
    },
  };
}

function drawFrame(
  doc: Pdf,
  report: Pick<ReportDoc, 'title' | 'lang' | 'generatedAt'>,
  periodText: string,
): void {
  const L = labels(report.lang);
  const range = doc.bufferedPageRange();
  const generated = `${L.generatedAt} ${formatShanghai(report.generatedAt)}${L.scheduledNote}`;
  for (let i = 0; i < range.count; i++) {
    doc.switchToPage(range.start + i);
    const { left, width } = pageBox(doc);
    const headerY = 18;
    const footerY = doc.page.height - 30;
    // Text written below the bottom margin would open a new page: lift the margin while framing.
    const saved = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.font(FONT_REGULAR).fontSize(8).fillColor(COLORS.muted);
    doc.text(report.title, left, headerY, { width: width * 0.62, lineBreak: false, ellipsis: true });
    doc
      .font(FONT_BOLD)
      .fillColor(COLORS.marking)
      .text(L.marking, left + width * 0.5, headerY, { width: width * 0.5, align: 'right', lineBreak: false });
    doc
      .moveTo(left, headerY + 14)
      .lineTo(left + width, headerY + 14)
      .lineWidth(0.5)
      .strokeColor(COLORS.rule)
      .stroke();
    doc
      .moveTo(left, footerY - 4)
      .lineTo(left + width, footerY - 4)
      .stroke();
    doc.font(FONT_REGULAR).fillColor(COLORS.muted);
    doc.text(`${L.period} ${periodText}    ${generated}`, left, footerY, {
      width: width * 0.75,
      lineBreak: false,
      ellipsis: true,
    });
    doc.text(L.page(i + 1, range.count), left + width * 0.7, footerY, {
      width: width * 0.3,
      align: 'right',
      lineBreak: false,
    });
    doc.text(L.marking, left, footerY + 11, { width, align: 'center', lineBreak: false });
    doc.page.margins.bottom = saved;
  }
  doc.fillColor(COLORS.text);
}

/** Starts a new page when fewer than `needed` points remain; returns the y to draw at. */
export function ensureSpace(doc: Pdf, needed: number): number {
  if (doc.y + needed > pageBox(doc).bottom) {
    doc.addPage();
    doc.y = BODY_TOP;
  }
  return doc.y;
}
