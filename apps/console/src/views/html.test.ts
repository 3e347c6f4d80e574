import { describe, expect, it } from 'vitest';
import { translator } from '../i18n.js';
import { barChart, lineChart, shareChart } from './charts.js';
import { escapeHtml, href, html, raw } from './html.js';

const XSS = `<script>alert(1)</script>`;

describe('html template', () => {
  it('escapes every interpolated string', () => {
    const out = html`<p title="${XSS}">${XSS}</p>`.value;
    expect(out).not.toContain('<script>');
    expect(out).toBe(
      '<p title="&lt;script&gt;alert(1)&lt;/script&gt;">&lt;script&gt;alert(1)&lt;/script&gt;</p>',
    );
  });

  it('escapes quotes so an attribute cannot be closed', () => {
    expect(html`<input value="${`" onfocus="alert(1)`}">`.value).toBe(
      '<input value="&quot; onfocus=&quot;alert(1)">',
    );
    expect(escapeHtml(`'\`&`)).toBe('&#39;&#96;&amp;');
  });

  it('keeps nested templates and arrays, drops null, undefined and false', () => {
    const inner = html`<b>${'x<y'}</b>`;
    expect(html`${[inner, inner]}${null}${undefined}${false}${0}`.value).toBe('<b>x&lt;y</b><b>x&lt;y</b>0');
    expect(html`${raw('<hr>')}`.value).toBe('<hr>');
  });

  it('builds query strings with every value encoded', () => {
    expect(href('/flags', { rule: `' OR 1=1 --`, empty: '', none: undefined, page: 2 })).toBe(
      '/flags?rule=%27+OR+1%3D1+--&page=2',
    );
  });
});

describe('charts', () => {
  it('draw SVG with escaped labels and no script', () => {
    const bars = barChart(
      XSS,
      ['2026-11-01', '2026-11-02'],
      [{ name: XSS, values: [3, 5], cls: 's1' }],
    ).value;
    const lines = lineChart(
      't',
      ['2026-11-02', '2026-11-09'],
      [{ name: 'n', values: [1, 2], cls: 's2' }],
    ).value;
    const shares = shareChart('t', [
      { label: XSS, share: 0.5 },
      { label: 'none', share: null },
    ]).value;
    for (const svg of [bars, lines, shares]) {
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).not.toContain('<script');
    }
    expect(bars).toContain('<rect class="s1"');
    expect(shares).toContain('50.0%');
  });
});

describe('i18n', () => {
  it('speaks Chinese by default and English on request, with parameters', () => {
    expect(translator('zh')('queue.count', { n: 3 })).toBe('共 3 条');
    expect(translator('en')('queue.count', { n: 3 })).toBe('3 flags');
    expect(translator('en')('deadline.overdue', { n: 2 })).toBe('overdue by 2 working days');
  });
});
