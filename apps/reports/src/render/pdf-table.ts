import { formatCell } from '../format.js';
import type { Labels } from '../i18n.js';
import type { Column, TableBlock } from '../model.js';
import { FONT_BOLD, FONT_REGULAR } from './fonts.js';
import { COLORS, type Pdf, pageBox } from './pdf-document.js';

/**
 * A table that flows over as many pages as its rows need, repeating its header row (and its title,
 * marked "continued") at the top of every page. Rows are drawn as they arrive from the block's
 * page iterator, so a 50,000-row list never sits in memory at once. A cell wraps to at most
 * `MAX_LINES` lines and is cut with an ellipsis beyond.
 */
const FONT_SIZE = 7.5;
const HEADER_SIZE = 7.5;
const PAD = 3;
const MAX_LINES = 4;

function columnWidths(columns: Column[], total: number): number[] {
  const sum = columns.reduce((a, c) => a + c.width, 0);
  return columns.map((c) => (c.width / sum) * total);
}

export async function drawTable(
  doc: Pdf,
  block: TableBlock,
  L: Pick<Labels, 'continued' | 'truncated'>,
): Promise<number> {
  const continuedLabel = L.continued;
  const limit = block.pdfRowLimit ?? Number.POSITIVE_INFINITY;
  const box = pageBox(doc);
  const widths = columnWidths(block.columns, box.width);
  const lineHeight = doc.font(FONT_REGULAR).fontSize(FONT_SIZE).currentLineHeight(true);
  const maxCellHeight = lineHeight * MAX_LINES;

  const headerHeight = (() => {
    doc.font(FONT_BOLD).fontSize(HEADER_SIZE);
    let h = 0;
    block.columns.forEach((c, i) => {
      h = Math.max(h, doc.heightOfString(c.label, { width: widths[i]! - 2 * PAD }));
    });
    return h + 2 * PAD;
  })();

  const drawTitle = (continued: boolean) => {
    doc
      .font(FONT_BOLD)
      .fontSize(continued ? 9 : 11)
      .fillColor(COLORS.text)
      .text(continued ? `${block.title}${continuedLabel}` : block.title, box.left, doc.y, {
        width: box.width,
      });
    doc.y += 3;
  };
  const drawHeader = () => {
    const y = doc.y;
    doc.rect(box.left, y, box.width, headerHeight).fill(COLORS.headerFill);
    doc.font(FONT_BOLD).fontSize(HEADER_SIZE).fillColor(COLORS.text);
    let x = box.left;
    block.columns.forEach((c, i) => {
      doc.text(c.label, x + PAD, y + PAD, { width: widths[i]! - 2 * PAD, align: c.align ?? 'left' });
      x += widths[i]!;
    });
    doc.y = y + headerHeight;
  };
  const newPage = () => {
    doc.addPage();
    doc.y = box.top;
    drawTitle(true);
    drawHeader();
  };

  if (doc.y + 20 + headerHeight + lineHeight * 2 > box.bottom) {
    doc.addPage();
    doc.y = box.top;
  }
  drawTitle(false);
  drawHeader();

  let count = 0;
  doc.font(FONT_REGULAR).fontSize(FONT_SIZE);
  let truncated = false;
  pages: for await (const page of block.rows()) {
    for (const row of page) {
      if (count >= limit) {
        truncated = true;
        break pages;
      }
      const texts = block.columns.map((c, i) => formatCell(row[i] ?? null, c.format));
      let height = lineHeight;
      texts.forEach((t, i) => {
        const w = widths[i]! - 2 * PAD;
        // Measuring wrapped text is the costly part: most cells fit on one line, which is cheaper to know.
        if (t && (t.includes('\n') || doc.widthOfString(t) > w)) {
          height = Math.max(height, Math.min(maxCellHeight, doc.heightOfString(t, { width: w })));
        }
      });
      height += 2 * PAD;
      if (doc.y + height > box.bottom) {
        newPage();
        doc.font(FONT_REGULAR).fontSize(FONT_SIZE);
      }
      const y = doc.y;
      if (count % 2 === 1) doc.rect(box.left, y, box.width, height).fill(COLORS.zebra);
      doc.fillColor(COLORS.text);
      let x = box.left;
      texts.forEach((t, i) => {
        if (t) {
          doc.text(t, x + PAD, y + PAD, {
            width: widths[i]! - 2 * PAD,
            height: height - 2 * PAD,
            ellipsis: true,
            align: block.columns[i]!.align ?? 'left',
          });
        }
        x += widths[i]!;
      });
      doc
        .moveTo(box.left, y + height)
        .lineTo(box.left + box.width, y + height)
        .lineWidth(0.3)
        .strokeColor(COLORS.rule)
        .stroke();
      doc.y = y + height;
      count++;
    }
  }
  if (truncated) {
    doc.font(FONT_REGULAR).fontSize(8).fillColor(COLORS.marking);
    doc.text(L.truncated(count, block.total), box.left + PAD, doc.y + PAD, { width: box.width });
    doc.fillColor(COLORS.text);
  }
  if (count === 0) {
    doc.font(FONT_REGULAR).fontSize(8).fillColor(COLORS.muted);
    doc.text(block.emptyText, box.left + PAD, doc.y + PAD, { width: box.width });
    doc.fillColor(COLORS.text);
  }
  doc.x = box.left;
  doc.y += 10;
  return count;
}
