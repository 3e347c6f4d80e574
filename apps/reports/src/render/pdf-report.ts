import { formatCell, formatChange, formatShanghai } from '../format.js';
import { labels } from '../i18n.js';
import { type KpiBlock, type ReportDoc, staticRows, type TableBlock } from '../model.js';
import { FONT_BOLD, FONT_REGULAR } from './fonts.js';
import { drawChart } from './pdf-chart.js';
import { COLORS, ensureSpace, openPdf, pageBox } from './pdf-document.js';
import { drawTable } from './pdf-table.js';

/** Renders a report document as a PDF file (see pdf-document.ts for the page frame). */
export async function renderPdf(
  report: ReportDoc,
  file: string,
  layout: 'portrait' | 'landscape' = 'portrait',
): Promise<void> {
  const L = labels(report.lang);
  const { doc, finish } = openPdf(file, report, report.periodLabel, layout);
  const box = pageBox(doc);
  doc
    .font(FONT_BOLD)
    .fontSize(16)
    .fillColor(COLORS.text)
    .text(report.title, box.left, box.top + 4, {
      width: box.width,
    });
  doc
    .font(FONT_REGULAR)
    .fontSize(9)
    .fillColor(COLORS.muted)
    .text(
      `${L.period}: ${report.periodLabel}    ${L.generatedAt}: ${formatShanghai(report.generatedAt)}${L.scheduledNote}`,
      { width: box.width },
    );
  doc.fillColor(COLORS.text);
  doc.y += 8;

  for (let i = 0; i < report.blocks.length; i++) {
    const block = report.blocks[i]!;
    switch (block.type) {
      case 'text': {
        if (block.style === 'heading') {
          // Keep a heading with the start of what it introduces.
          const next = report.blocks[i + 1];
          ensureSpace(doc, next?.type === 'chart' ? 230 : 80);
          doc.y += 4;
          doc.font(FONT_BOLD).fontSize(12).fillColor(COLORS.text).text(block.text, box.left, doc.y, {
            width: box.width,
          });
          doc.y += 4;
        } else {
          doc
            .font(FONT_REGULAR)
            .fontSize(block.style === 'note' ? 7.5 : 9)
            .fillColor(block.style === 'note' ? COLORS.muted : COLORS.text)
            .text(block.text, box.left, doc.y, { width: box.width });
          doc.fillColor(COLORS.text);
          doc.y += 4;
        }
        break;
      }
      case 'kpis':
        await drawTable(doc, kpiTable(block, report), L);
        break;
      case 'table':
        await drawTable(doc, block, L);
        break;
      case 'chart':
        drawChart(doc, block);
        break;
    }
  }
  await finish();
}

/** Key figures as a four-column table: item, value, previous period, change. */
export function kpiTable(block: KpiBlock, report: Pick<ReportDoc, 'lang'>): TableBlock {
  const L = labels(report.lang);
  const withPrevious = block.items.some((i) => i.previous !== undefined);
  return {
    type: 'table',
    sheet: L.summary,
    title: block.title,
    columns: [
      { label: L.item, width: 5 },
      { label: L.value, width: 2, align: 'right' },
      ...(withPrevious
        ? [
            { label: L.previous, width: 2, align: 'right' as const },
            { label: L.change, width: 2, align: 'right' as const },
          ]
        : []),
    ],
    rows: staticRows(
      block.items.map((i) => {
        const value = formatCell(i.value, i.format);
        if (!withPrevious) return [i.label, value];
        const prev = i.previous === undefined ? '' : formatCell(i.previous, i.format);
        const change =
          typeof i.value === 'number' && typeof i.previous === 'number' && i.format !== 'pct'
            ? formatChange(i.value, i.previous)
            : typeof i.value === 'number' && typeof i.previous === 'number'
              ? `${((i.value - i.previous) * 100).toFixed(1)} pp`
              : '—';
        return [i.label, value, prev, change];
      }),
    ),
    emptyText: L.none,
  };
}
