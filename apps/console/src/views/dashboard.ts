import type { DashboardStats } from '../dashboard/stats.js';
import type { RequestContext } from '../http/context.js';
import type { ReportFile } from '../reports/report-files.js';
import { barChart, lineChart, shareChart } from './charts.js';
import { formatBytes, formatInstant } from './format.js';
import { href, html, type SafeHtml } from './html.js';

function rate(kept: number, closed: number): number | null {
  return closed === 0 ? null : kept / closed;
}

function pct(r: number | null): string {
  return r === null ? '–' : `${(r * 100).toFixed(1)}%`;
}

export function renderDashboard(c: RequestContext, s: DashboardStats, reports: ReportFile[]): SafeHtml {
  const { t } = c;
  const channelName = (ch: string | null) => ch ?? t('dash.noChannel');
  const tiles = html`<div class="tiles">
    <div class="tile"><span class="n" id="open-count">${s.open}</span><span>${t('dash.open')}</span></div>
    <div class="tile bad"><span class="n">${s.overdue}</span><span>${t('dash.overdue')}</span></div>
    <div class="tile warn"><span class="n">${s.dueToday}</span><span>${t('dash.dueToday')}</span></div>
    <div class="tile"><span class="n">${s.closed30}</span><span>${t('dash.closed30')}</span></div>
    <div class="tile"><span class="n">${pct(rate(s.kept90.kept, s.kept90.closed))}</span><span>${t('dash.kept90')}</span></div>
  </div>`;
  const raised = t('dash.series.raised');
  const closed = t('dash.series.closed');
  const daily = html`<section><h2>${t('dash.raisedClosed')}</h2>${barChart(
    t('dash.raisedClosed'),
    s.daily.map((d) => d.day),
    [
      { name: raised, values: s.daily.map((d) => d.raised), cls: 's1' },
      { name: closed, values: s.daily.map((d) => d.closed), cls: 's2' },
    ],
  )}</section>`;
  const channels = html`<section><h2>${t('dash.perChannel')}</h2>
    ${shareChart(
      t('dash.perChannel'),
      s.channels.map((ch) => ({ label: channelName(ch.channel), share: rate(ch.kept, ch.closed) })),
    )}
    <table class="numbers" id="channels"><thead><tr><th>${t('dash.col.channel')}</th><th>${t('dash.col.open')}</th><th>${t('dash.col.overdue')}</th><th>${t('dash.col.closed')}</th><th>${t('dash.col.kept')}</th><th>${t('dash.col.rate')}</th></tr></thead>
    <tbody>${s.channels.map(
      (ch) =>
        html`<tr><td>${channelName(ch.channel)}</td><td>${ch.open}</td><td>${ch.overdue}</td><td>${ch.closed}</td><td>${ch.kept}</td><td>${pct(rate(ch.kept, ch.closed))}</td></tr>`,
    )}</tbody></table></section>`;
  const trend = html`<section><h2>${t('dash.trend')}</h2>${lineChart(
    t('dash.trend'),
    s.weekly.map((w) => w.week),
    [
      { name: raised, values: s.weekly.map((w) => w.raised), cls: 's1' },
      { name: closed, values: s.weekly.map((w) => w.closed), cls: 's2' },
    ],
  )}</section>`;
  const rules = html`<section><h2>${t('dash.byRule')}</h2>
    <table class="numbers"><tbody>${s.rules.map((r) => html`<tr><td><code>${r.rule}</code></td><td>${r.open}</td></tr>`)}</tbody></table></section>`;
  const files = html`<section><h2>${t('dash.reports')}</h2>
    ${
      reports.length === 0
        ? html`<p class="empty">${t('dash.noReports')}</p>`
        : html`<table class="reports"><thead><tr><th>${t('report.file')}</th><th>${t('report.title')}</th><th>${t('report.generated')}</th><th>${t('report.size')}</th></tr></thead>
      <tbody>${reports.map(
        (f) =>
          html`<tr><td><a href="${href('/reports/download', { file: f.path })}" download>${f.path}</a></td><td>${[f.kind, f.period, f.lang].filter(Boolean).join(' · ')}</td><td>${f.generatedAt ? formatInstant(f.generatedAt) : formatInstant(f.modifiedAt)}</td><td>${formatBytes(f.bytes)}</td></tr>`,
      )}</tbody></table>`
    }</section>`;
  return html`${tiles}${daily}${channels}${trend}${rules}${files}`;
}
