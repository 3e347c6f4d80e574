import { html, type SafeHtml } from './html.js';

/**
 * Charts drawn on the server as inline SVG: no script, no chart library, nothing fetched from
 * outside (the console works without internet access). Colours come from classes styled by the
 * console's stylesheet. Each chart has a title for screen readers; the figures are also in tables.
 */
export interface Series {
  name: string;
  values: number[];
  /** CSS class of the series (`s1`, `s2`). */
  cls: string;
}

const W = 720;
const H = 220;
const PAD = { left: 40, right: 10, top: 24, bottom: 36 };

function niceMax(max: number): number {
  if (max <= 5) return 5;
  const mag = 10 ** Math.floor(Math.log10(max));
  const steps = [1, 2, 2.5, 5, 10];
  for (const s of steps) if (max <= s * mag) return s * mag;
  return 10 * mag;
}

function axis(max: number, plotH: number): SafeHtml {
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const y = PAD.top + plotH - f * plotH;
    return html`<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}"></line><text class="tick" x="${PAD.left - 4}" y="${(y + 4).toFixed(1)}" text-anchor="end">${Math.round(max * f)}</text>`;
  });
  return html`${ticks}`;
}

function legend(series: Series[]): SafeHtml {
  return html`${series.map(
    (s, i) =>
      html`<rect class="${s.cls}" x="${PAD.left + i * 110}" y="4" width="12" height="12"></rect><text class="legend" x="${PAD.left + i * 110 + 16}" y="14">${s.name}</text>`,
  )}`;
}

/** Grouped bars, one group per label (days). Every `labelEvery`-th label is written. */
export function barChart(title: string, labels: string[], series: Series[], labelEvery = 5): SafeHtml {
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const max = niceMax(Math.max(1, ...series.flatMap((s) => s.values)));
  const groupW = plotW / Math.max(1, labels.length);
  const barW = Math.max(1, (groupW * 0.8) / series.length);
  const bars = labels.map((l, i) => {
    const x0 = PAD.left + i * groupW + groupW * 0.1;
    const rects = series.map((s, j) => {
      const v = s.values[i] ?? 0;
      const h = (v / max) * plotH;
      return html`<rect class="${s.cls}" x="${(x0 + j * barW).toFixed(1)}" y="${(PAD.top + plotH - h).toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}"><title>${l} ${s.name}: ${v}</title></rect>`;
    });
    const text =
      i % labelEvery === 0 || i === labels.length - 1
        ? html`<text class="tick" x="${(x0 + groupW * 0.4).toFixed(1)}" y="${H - PAD.bottom + 14}" text-anchor="middle">${l.slice(5)}</text>`
        : '';
    return html`${rects}${text}`;
  });
  return html`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${title}" xmlns="http://www.w3.org/2000/svg"><title>${title}</title>${axis(max, plotH)}${bars}${legend(series)}</svg>`;
}

/** Lines over weeks. */
export function lineChart(title: string, labels: string[], series: Series[]): SafeHtml {
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const max = niceMax(Math.max(1, ...series.flatMap((s) => s.values)));
  const x = (i: number) => PAD.left + (labels.length <= 1 ? plotW / 2 : (i * plotW) / (labels.length - 1));
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  const lines = series.map((s) => {
    const points = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    const dots = s.values.map(
      (v, i) =>
        html`<circle class="${s.cls}" cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3"><title>${labels[i] ?? ''} ${s.name}: ${v}</title></circle>`,
    );
    return html`<polyline class="line ${s.cls}" points="${points}"></polyline>${dots}`;
  });
  const ticks = labels.map((l, i) =>
    i % 2 === 0
      ? html`<text class="tick" x="${x(i).toFixed(1)}" y="${H - PAD.bottom + 14}" text-anchor="middle">${l.slice(5)}</text>`
      : '',
  );
  return html`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${title}" xmlns="http://www.w3.org/2000/svg"><title>${title}</title>${axis(max, plotH)}${lines}${ticks}${legend(series)}</svg>`;
}

/** Horizontal bars of a share (0..1) per item: deadlines kept per channel. */
export function shareChart(title: string, items: { label: string; share: number | null }[]): SafeHtml {
  const rowH = 22;
  const labelW = 140;
  const barMax = W - labelW - 70;
  const h = PAD.top + items.length * rowH + 8;
  const rows = items.map((it, i) => {
    const y = PAD.top + i * rowH;
    const share = it.share ?? 0;
    const cls = it.share === null ? 'none' : share >= 0.9 ? 'good' : share >= 0.7 ? 'fair' : 'poor';
    return html`<text class="tick" x="${labelW - 6}" y="${y + 14}" text-anchor="end">${it.label}</text>
      <rect class="track" x="${labelW}" y="${y + 3}" width="${barMax}" height="14"></rect>
      <rect class="${cls}" x="${labelW}" y="${y + 3}" width="${(share * barMax).toFixed(1)}" height="14"><title>${it.label}: ${it.share === null ? '-' : `${(share * 100).toFixed(1)}%`}</title></rect>
      <text class="tick" x="${labelW + barMax + 6}" y="${y + 14}">${it.share === null ? '–' : `${(share * 100).toFixed(1)}%`}</text>`;
  });
  return html`<svg class="chart" viewBox="0 0 ${W} ${h}" role="img" aria-label="${title}" xmlns="http://www.w3.org/2000/svg"><title>${title}</title>${rows}</svg>`;
}
