import type { WorkingCalendar } from '@custodian/core';
import type { RequestContext } from '../http/context.js';
import { deadlineOf } from '../queue/deadline.js';
import {
  DUE_FILTERS,
  type FilterOptions,
  QUEUE_STATUSES,
  type QueuePage,
  type QueueQuery,
  queueQueryString,
  SEVERITIES,
  SORTS,
} from '../queue/queue-query.js';
import { deadlineBadge, label, severityBadge } from './format.js';
import { href, html, type SafeHtml } from './html.js';

function option(value: string, current: string, text: string): SafeHtml {
  return html`<option value="${value}"${value === current ? html` selected` : ''}>${text}</option>`;
}

export function renderQueue(
  c: RequestContext,
  q: QueueQuery,
  result: QueuePage,
  options: FilterOptions,
  ctx: {
    today: string;
    calendar: WorkingCalendar;
    scopeChannel: string | null;
    username: string;
    canVerify: boolean;
  },
): SafeHtml {
  const { t } = c;
  const reason = (r: { reason_zh: string; reason_en: string }) =>
    c.lang === 'zh' ? r.reason_zh : r.reason_en;
  const quick = html`<p class="quick">
    <a href="${href('/flags', { assignee: ctx.username })}">${t('queue.mine')}</a>
    ${ctx.canVerify ? html`<a href="/flags?status=resolved">${t('queue.awaiting')}</a>` : ''}
    <a href="/flags?due=overdue">${t('queue.overdue')}</a>
  </p>`;
  const filters = html`<form method="get" action="/flags" class="filters" role="search">
    <label>${t('field.rule')} <input name="rule" value="${q.rule}" list="rules" size="18"></label>
    <datalist id="rules">${options.rules.map((r) => html`<option value="${r}"></option>`)}</datalist>
    <label>${t('field.severity')} <select name="severity">${option('', q.severity, t('filter.any'))}${SEVERITIES.map((s) => option(s, q.severity, label(t, 'severity', s)))}</select></label>
    ${
      ctx.scopeChannel === null
        ? html`<label>${t('field.channel')} <input name="channel" value="${q.channel}" list="channels" size="12"></label>
    <datalist id="channels">${options.channels.map((r) => html`<option value="${r}"></option>`)}</datalist>`
        : ''
    }
    <label>${t('field.branch')} <input name="branch" value="${q.branch}" list="branches" size="12"></label>
    <datalist id="branches">${options.branches.map((r) => html`<option value="${r}"></option>`)}</datalist>
    <label>${t('field.status')} <select name="status">${QUEUE_STATUSES.map((s) => option(s, q.status, label(t, 'status', s)))}</select></label>
    <label>${t('field.due')} <select name="due">${option('', q.due, t('filter.any'))}${DUE_FILTERS.map((d) => option(d, q.due, label(t, 'due', d)))}</select></label>
    <label>${t('field.assignee')} <input name="assignee" value="${q.assignee}" size="10"></label>
    <label>${t('sort.label')} <select name="sort">${SORTS.map((s) => option(s, q.sort, label(t, 'sort', s)))}</select></label>
    <select name="dir" aria-label="${t('sort.label')}">${option('asc', q.dir, t('sort.asc'))}${option('desc', q.dir, t('sort.desc'))}</select>
    <button type="submit">${t('filter.apply')}</button> <a href="/flags">${t('filter.reset')}</a>
  </form>`;
  const count = result.capped
    ? t('queue.countCapped', { n: result.count.toLocaleString('en') })
    : t('queue.count', { n: result.count.toLocaleString('en') });
  // One line per row: the queue is the most requested page, whitespace is bytes to encode and send.
  const rows = result.rows.map(
    (f) =>
      html`<tr><td><a href="/flags/${f.flag_id}">#${f.flag_id}</a></td><td><code>${f.rule}</code></td><td>${severityBadge(t, f.severity)}</td><td>${f.record_id}</td><td>${f.channel ?? t('common.none')}<br><small>${f.branch ?? ''}</small></td><td class="reason">${reason(f)}</td><td>${label(t, 'status', f.status)}</td><td>${f.assignee ?? t('common.none')}</td><td>${f.due_on}</td><td>${deadlineBadge(t, deadlineOf(f, ctx.today, ctx.calendar))}</td></tr>\n`,
  );
  const pager = html`<nav class="pager" aria-label="pages">
    ${q.page > 1 ? html`<a rel="prev" href="/flags${queueQueryString(q, { page: q.page - 1 })}">${t('page.prev')}</a>` : ''}
    <span>${t('page.label', { n: q.page })}</span>
    ${result.hasNext ? html`<a rel="next" href="/flags${queueQueryString(q, { page: q.page + 1 })}">${t('page.next')}</a>` : ''}
  </nav>`;
  return html`${ctx.scopeChannel !== null ? html`<p class="scope">${t('queue.scope', { channel: ctx.scopeChannel })}</p>` : ''}
  ${quick}
  ${filters}
  <p class="count" id="count">${count}</p>
  ${
    result.rows.length === 0
      ? html`<p class="empty">${t('queue.empty')}</p>`
      : html`<table class="queue">
    <thead><tr><th>${t('col.id')}</th><th>${t('field.rule')}</th><th>${t('field.severity')}</th><th>${t('col.record')}</th><th>${t('field.channel')}</th><th>${t('col.reason')}</th><th>${t('field.status')}</th><th>${t('field.assignee')}</th><th>${t('col.due')}</th><th>${t('col.deadline')}</th></tr></thead>
    <tbody>${rows}</tbody>
  </table>`
  }
  ${pager}`;
}
