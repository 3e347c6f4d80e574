import type { Anomaly } from '@custodian/core';
import { type AnomalyDetail, DISPOSITIONS } from '../anomalies/anomaly-source.js';
import type { RequestContext } from '../http/context.js';
import { formatInstant, label, severityBadge } from './format.js';
import { href, html, type SafeHtml } from './html.js';
import { csrfField } from './layout.js';

function reason(c: RequestContext, a: Anomaly): string {
  return c.lang === 'zh' ? a.reason_zh : a.reason_en;
}

function statusText(c: RequestContext, status: string): string {
  return status === 'open' ? c.t('status.open') : label(c.t, 'disposition', status);
}

export function renderAnomalyList(
  c: RequestContext,
  rows: Anomaly[],
  opts: { openOnly: boolean; page: number; hasNext: boolean },
): SafeHtml {
  const { t } = c;
  const toggle = opts.openOnly
    ? html`<a href="/anomalies?all=1">${t('anom.showAll')}</a>`
    : html`<a href="/anomalies">${t('anom.showOpen')}</a>`;
  const pageHref = (p: number) =>
    href('/anomalies', { all: opts.openOnly ? undefined : 1, page: p === 1 ? undefined : p });
  return html`<p class="quick">${toggle}</p>
  ${
    rows.length === 0
      ? html`<p class="empty">${t('anom.empty')}</p>`
      : html`<table class="queue"><thead><tr><th>${t('col.id')}</th><th>${t('anom.code')}</th><th>${t('field.severity')}</th><th>${t('anom.operator')}</th><th>${t('anom.period')}</th><th>${t('anom.events')}</th><th>${t('anom.score')}</th><th>${t('col.reason')}</th><th>${t('field.status')}</th></tr></thead>
  <tbody>${rows.map(
    (
      a,
    ) => html`<tr><td><a href="/anomalies/${a.anomaly_id}">#${a.anomaly_id}</a></td><td><code>${a.code}</code></td><td>${severityBadge(t, a.severity)}</td>
      <td>${a.operator_id}</td><td>${formatInstant(a.first_ts)} – ${formatInstant(a.last_ts)}</td><td>${a.event_count}</td><td>${a.score.toFixed(1)}</td>
      <td class="reason">${reason(c, a)}</td><td>${statusText(c, a.status)}</td></tr>`,
  )}</tbody></table>`
  }
  <nav class="pager">${opts.page > 1 ? html`<a rel="prev" href="${pageHref(opts.page - 1)}">${t('page.prev')}</a>` : ''}
  <span>${t('page.label', { n: opts.page })}</span>
  ${opts.hasNext ? html`<a rel="next" href="${pageHref(opts.page + 1)}">${t('page.next')}</a>` : ''}</nav>`;
}

export function renderAnomaly(c: RequestContext, d: AnomalyDetail): SafeHtml {
  const { t } = c;
  const a = d.anomaly;
  const facts = html`<dl class="facts">
    <dt>${t('anom.code')}</dt><dd><code>${a.code}</code> ${severityBadge(t, a.severity)}</dd>
    <dt>${t('field.status')}</dt><dd>${statusText(c, a.status)}${a.waived_until ? ` → ${a.waived_until}` : ''}</dd>
    <dt>${t('anom.operator')}</dt><dd>${a.operator_id} ${d.staff?.name_masked ?? ''} ${a.department ?? d.staff?.department ?? ''} ${a.branch ?? ''} ${d.staff?.role ?? ''}</dd>
    <dt>${t('anom.period')}</dt><dd>${formatInstant(a.first_ts)} – ${formatInstant(a.last_ts)}</dd>
    <dt>${t('anom.events')}</dt><dd>${a.event_count}</dd>
    <dt>${t('anom.score')}</dt><dd>${a.score.toFixed(1)}${d.risk ? html` <small>(${t('anom.dayRisk', { score: d.risk.score.toFixed(1), n: d.risk.anomaly_count })})</small>` : ''}</dd>
    <dt>${t('anom.archives')}</dt><dd>${a.archive_nos.slice(0, 50).join(', ')}${a.archive_nos.length > 50 ? ' …' : ''}</dd>
  </dl>
  <section><h2>${t('flag.reason')}</h2><p class="reason">${reason(c, a)}</p></section>`;
  // The auditor's flow lets a disposition be revised (e.g. a waiver later confirmed); each is kept in the history.
  const form = html`<section class="action"><h2>${a.status === 'open' ? t('anom.resolve') : t('anom.revise')}</h2>
    <form method="post" action="/anomalies/${a.anomaly_id}/resolve" class="stack">${csrfField(c)}
    <fieldset><legend>${t('anom.disposition')}</legend>${DISPOSITIONS.map(
      (o) =>
        html`<label class="choice"><input type="radio" name="disposition" value="${o}" required> ${label(t, 'disposition', o)}</label>`,
    )}</fieldset>
    <label>${t('anom.until')} <input name="until" type="date"></label>
    <label>${t('anom.note')}<textarea name="note" rows="3" required maxlength="2000"></textarea></label>
    <button type="submit">${t('anom.resolve')}</button></form></section>`;
  const history = html`<section><h2>${t('anom.history')}</h2><table class="history"><thead><tr><th>${t('history.at')}</th><th>${t('history.actor')}</th><th>${t('history.action')}</th><th>${t('history.detail')}</th></tr></thead>
  <tbody>${d.history.map(
    (e) =>
      html`<tr><td>${formatInstant(e.at)}</td><td>${e.actor}</td><td>${e.action}</td><td>${JSON.stringify(e.detail)}</td></tr>`,
  )}</tbody></table></section>`;
  return html`<p><a href="/anomalies">← ${t('anom.back')}</a></p><div class="cols"><div>${facts}</div><div>${form}</div></div>${history}`;
}
