import type { ChartBlock } from '../model.js';
import { FONT_BOLD, FONT_REGULAR } from './fonts.js';
import { COLORS, ensureSpace, type Pdf, pageBox } from './pdf-document.js';

/**
 * Bar and line charts drawn as vector paths (pdfkit rectangles and lines, no images), so they stay
 * sharp at any zoom and their labels are real text. Values axis from zero to a "nice" maximum
 * (1, 2, 2.5 or 5 times a power of ten) with five gridlines.
 */
const CHART_HEIGHT = 170;

export function niceMax(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

function tickLabel(v: number): string {
  if (v >= 10_000) return `${Number((v / 1000).toFixed(1))}k`;
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

export function drawChart(doc: Pdf, chart: ChartBlock): void {
  const box = pageBox(doc);
  const top = ensureSpace(doc, CHART_HEIGHT + 30);
  doc
    .font(FONT_BOLD)
    .fontSize(10)
    .fillColor(COLORS.text)
    .text(chart.title, box.left, top, { width: box.width });
  const legendY = doc.y + 2;

  // Legend: one swatch and name per series.
  doc.font(FONT_REGULAR).fontSize(7);
  let lx = box.left;
  chart.series.forEach((s, i) => {
    doc.rect(lx, legendY + 1.5, 8, 6).fill(COLORS.series[i % COLORS.series.length]!);
    doc.fillColor(COLORS.text).text(s.name, lx + 11, legendY, { lineBreak: false });
    lx += 11 + doc.widthOfString(s.name) + 14;
  });

  const plotLeft = box.left + 36;
  const plotTop = legendY + 16;
  const plotWidth = box.width - 40;
  const plotHeight = CHART_HEIGHT - 60;
  const plotBottom = plotTop + plotHeight;
  const max = niceMax(Math.max(0, ...chart.series.flatMap((s) => s.values)));

  doc.lineWidth(0.4);
  for (let t = 0; t <= 5; t++) {
    const v = (max * t) / 5;
    const y = plotBottom - (plotHeight * t) / 5;
    doc
      .moveTo(plotLeft, y)
      .lineTo(plotLeft + plotWidth, y)
      .strokeColor(t === 0 ? COLORS.muted : COLORS.rule)
      .stroke();
    doc
      .fillColor(COLORS.muted)
      .fontSize(6.5)
      .text(tickLabel(v), box.left, y - 4, { width: 32, align: 'right', lineBreak: false });
  }
  if (chart.unit) {
    doc
      .fontSize(6.5)
      .fillColor(COLORS.muted)
      .text(chart.unit, box.left + box.width - 120, legendY, {
        width: 120,
        align: 'right',
        lineBreak: false,
      });
  }

  const n = Math.max(chart.categories.length, 1);
  const slot = plotWidth / n;
  const yOf = (v: number) => plotBottom - (Math.max(0, v) / max) * plotHeight;

  if (chart.chart === 'bar') {
    const groupWidth = slot * 0.72;
    const barWidth = groupWidth / Math.max(chart.series.length, 1);
    chart.series.forEach((s, si) => {
      const color = COLORS.series[si % COLORS.series.length]!;
      s.values.forEach((v, ci) => {
        const x = plotLeft + ci * slot + (slot - groupWidth) / 2 + si * barWidth;
        const y = yOf(v);
        if (plotBottom - y > 0) doc.rect(x, y, Math.max(barWidth - 1, 1), plotBottom - y).fill(color);
      });
    });
  } else {
    chart.series.forEach((s, si) => {
      const color = COLORS.series[si % COLORS.series.length]!;
      doc.lineWidth(1.4).strokeColor(color);
      s.values.forEach((v, ci) => {
        const x = plotLeft + ci * slot + slot / 2;
        if (ci === 0) doc.moveTo(x, yOf(v));
        else doc.lineTo(x, yOf(v));
      });
      doc.stroke();
      s.values.forEach((v, ci) => {
        doc.circle(plotLeft + ci * slot + slot / 2, yOf(v), 2).fill(color);
      });
    });
  }

  // Category labels under the axis, cut to their slot.
  doc.font(FONT_REGULAR).fontSize(6.5).fillColor(COLORS.text);
  chart.categories.forEach((c, ci) => {
    doc.text(c, plotLeft + ci * slot + 1, plotBottom + 3, {
      width: slot - 2,
      height: 24,
      align: 'center',
      ellipsis: true,
    });
  });
  doc.x = box.left;
  doc.y = plotBottom + 34;
}
