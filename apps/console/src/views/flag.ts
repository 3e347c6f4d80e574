import {
  type FlagDetail,
  OUTCOME_LABELS,
  PERSONAL_FIELDS,
  REVIEW_OUTCOMES,
  sameActor,
} from '@custodian/core';
import { CORRECTABLE_FIELDS } from '../flags/correction.js';
import type { RequestContext } from '../http/context.js';
import type { MessageKey } from '../i18n.js';
import type { DeadlineState } from '../queue/deadline.js';
import { deadlineBadge, formatInstant, label, severityBadge } from './format.js';
import { html, type SafeHtml } from './html.js';
import { csrfField } from './layout.js';

export interface FlagPageModel {
  detail: FlagDetail;
  /** Records of the group the user may see (an investigator: their channel's only). */
  records: FlagDetail['records'];
  hiddenRecords: number;
  deadline: DeadlineState;
  can: { assign: boolean; resolve: boolean; verify: boolean; reveal: boolean };
  assignTargets: { value: string; text: string }[];
  username: string;
  revealed?: { recordId: string; field: string; value: string | null };
}

const RECORD_COLUMNS = [
  'record_id',
  'archive_no',
  'holder_name',
  'holder_id',
  'holder_phone',
  'holder_address',
  'bank_account',
  'channel',
  'branch',
  'agent_id',
] as const;

function outcomeLabel(c: RequestContext, outcome: string | null): string {
  if (!outcome) return c.t('common.none');
  const l = OUTCOME_LABELS[outcome as keyof typeof OUTCOME_LABELS];
  return l ? l[c.lang] : outcome;
}

/** A history entry's detail as `key: value` pairs, every value shown as text. */
function renderDetail(detail: unknown): SafeHtml {
  if (!detail || typeof detail !== 'object') return html``;
  const entries = Object.entries(detail as Record<string, unknown>).filter(
    ([, v]) => v !== null && v !== undefined && v !== '',
  );
  return html`<dl class="detail">${entries.map(
    ([k, v]) => html`<dt>${k}</dt><dd>${typeof v === 'object' ? JSON.stringify(v) : String(v)}</dd>`,
  )}</dl>`;
}

/**
 * The corrected values a resolved flag holds, masked: they reach the record only when compliance
 * verifies, and are discarded if it sends the outcome back.
 */
function pendingCorrection(c: RequestContext, m: FlagPageModel): SafeHtml | '' {
  const held = m.detail.pendingCorrection;
  if (!held) return '';
  return html`<section class="pending-correction" role="note"><h2>${c.t('flag.pendingCorrection')}</h2>
  <p class="hint">${c.t('flag.pendingCorrectionHint')}</p>
  <dl class="detail">${Object.entries(held).map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl></section>`;
}

export function renderFlag(c: RequestContext, m: FlagPageModel): SafeHtml {
  const { t } = c;
  const f = m.detail.flag;
  const info = html`<dl class="facts">
    <dt>${t('field.rule')}</dt><dd><code>${f.rule}</code> ${severityBadge(t, f.severity)}</dd>
    <dt>${t('field.status')}</dt><dd>${label(t, 'status', f.status)}</dd>
    <dt>${t('flag.listed')}</dt><dd>${f.listed_on}</dd>
    <dt>${t('flag.due')}</dt><dd>${f.due_on} ${deadlineBadge(t, m.deadline)}</dd>
    <dt>${t('field.channel')}</dt><dd>${f.channel ?? t('common.none')} / ${f.branch ?? t('common.none')}</dd>
    <dt>${t('flag.agent')}</dt><dd>${f.agent_id ?? t('common.none')}</dd>
    <dt>${t('field.assignee')}</dt><dd>${f.assignee ?? t('common.none')}</dd>
    <dt>${t('flag.batch')}</dt><dd>${f.batch_id}</dd>
    ${f.outcome ? html`<dt>${t('flag.outcome')}</dt><dd>${outcomeLabel(c, f.outcome)}</dd><dt>${t('flag.resolvedBy')}</dt><dd>${f.resolved_by ?? ''} ${formatInstant(f.resolved_at)}</dd>` : ''}
    ${f.attributed_to ? html`<dt>${t('flag.attributedTo')}</dt><dd>${f.attributed_to}</dd>` : ''}
  </dl>
  ${pendingCorrection(c, m)}
  <section><h2>${t('flag.reason')}</h2><p class="reason">${c.lang === 'zh' ? f.reason_zh : f.reason_en}</p>
  <p class="reason alt" lang="${c.lang === 'zh' ? 'en' : 'zh'}">${c.lang === 'zh' ? f.reason_en : f.reason_zh}</p></section>`;

  const records = html`<section><h2>${t('flag.records')}</h2>
  <table class="records"><thead><tr>${RECORD_COLUMNS.map((k) => html`<th>${t(`rec.${k}` as MessageKey)}</th>`)}</tr></thead>
  <tbody>${m.records.map(
    (r) =>
      html`<tr${r.record_id === f.record_id ? html` class="flagged"` : ''}>${RECORD_COLUMNS.map((k) => html`<td>${r[k] ?? ''}</td>`)}</tr>`,
  )}</tbody></table>
  ${m.hiddenRecords > 0 ? html`<p class="hint">${t('flag.hiddenRecords', { n: m.hiddenRecords })}</p>` : ''}
  </section>`;

  const revealed = m.revealed
    ? html`<section class="revealed" role="status"><h2>${t('reveal.title')}</h2>
      <p>${t('reveal.result', { record: m.revealed.recordId, field: label(t, 'pii', m.revealed.field) })}</p>
      <p class="clear-value"><output>${m.revealed.value ?? t('reveal.none')}</output></p></section>`
    : '';

  const reveal = m.can.reveal
    ? html`<details class="action"><summary>${t('reveal.title')}</summary>
      <form method="post" action="/flags/${f.flag_id}/reveal" class="stack">${csrfField(c)}
      <p class="hint">${t('reveal.notice')}</p>
      <label>${t('reveal.record')} <select name="record">${m.records.map((r) => html`<option value="${r.record_id}">${r.record_id}</option>`)}</select></label>
      <label>${t('reveal.field')} <select name="field">${PERSONAL_FIELDS.map((p) => html`<option value="${p}">${label(t, 'pii', p)}</option>`)}</select></label>
      <label>${t('reveal.reason')} <input name="reason" required minlength="2" maxlength="200"></label>
      <button type="submit">${t('reveal.submit')}</button></form></details>`
    : '';

  const open = f.status !== 'closed';
  const assign =
    m.can.assign && open && m.assignTargets.length > 0
      ? html`<section class="action"><h2>${t('action.assign')}</h2>
      <form method="post" action="/flags/${f.flag_id}/assign" class="stack">${csrfField(c)}
      <label>${t('assign.to')} <select name="to">${m.assignTargets.map((o) => html`<option value="${o.value}"${o.value === f.assignee ? html` selected` : ''}>${o.text}</option>`)}</select></label>
      <label>${t('assign.note')} <input name="note" maxlength="500"></label>
      <button type="submit">${t('action.assign')}</button></form></section>`
      : '';

  const correctedRows = [1, 2, 3].map(
    (
      i,
    ) => html`<div class="pair"><label>${t('resolve.field')} <select name="field_${i}"><option value=""></option>${CORRECTABLE_FIELDS.map((k) => html`<option value="${k}">${k}</option>`)}</select></label>
      <label>${t('resolve.value')} <input name="value_${i}" maxlength="200"></label></div>`,
  );
  const resolve =
    m.can.resolve && open
      ? html`<section class="action"><h2>${t('action.resolve')}</h2>
      <form method="post" action="/flags/${f.flag_id}/resolve" class="stack">${csrfField(c)}
      <fieldset><legend>${t('resolve.outcome')}</legend>${REVIEW_OUTCOMES.map(
        (o) =>
          html`<label class="choice"><input type="radio" name="outcome" value="${o}" required> ${OUTCOME_LABELS[o][c.lang]}</label>`,
      )}</fieldset>
      <label>${t('resolve.note')}<textarea name="note" rows="3" required maxlength="2000"></textarea></label>
      <label>${t('resolve.attributedTo')} <input name="attributed_to" maxlength="100"></label>
      <fieldset><legend>${t('resolve.corrected')}</legend>${correctedRows}</fieldset>
      <button type="submit">${t('action.resolve')}</button></form></section>`
      : '';

  const verify =
    m.can.verify && f.status === 'resolved'
      ? html`<section class="action"><h2>${t('action.verify')}</h2>
      ${f.resolved_by !== null && sameActor(f.resolved_by, m.username) ? html`<p class="hint">${t('error.FOUR_EYES')}</p>` : ''}
      <form method="post" action="/flags/${f.flag_id}/verify" class="stack">${csrfField(c)}
      <label>${t('verify.note')} <input name="note" maxlength="500"></label>
      <button type="submit">${t('action.verify')}</button></form>
      <form method="post" action="/flags/${f.flag_id}/send-back" class="stack">${csrfField(c)}
      <label>${t('sendBack.note')} <input name="note" required maxlength="500"></label>
      <button type="submit" class="secondary">${t('action.sendBack')}</button></form></section>`
      : '';

  const history = html`<section><h2>${t('flag.history')}</h2>
  <table class="history"><thead><tr><th>${t('history.at')}</th><th>${t('history.actor')}</th><th>${t('history.action')}</th><th>${t('history.detail')}</th></tr></thead>
  <tbody>${m.detail.history.map(
    (e) =>
      html`<tr><td>${formatInstant(e.at)}</td><td>${e.actor}</td><td>${label(t, 'event', e.action)}</td><td>${renderDetail(e.detail)}</td></tr>`,
  )}</tbody></table></section>`;

  return html`<p><a href="/flags">← ${t('flag.back')}</a></p>
  ${revealed}
  <div class="cols"><div>${info}</div><div>${assign}${resolve}${verify}</div></div>
  ${records}
  ${reveal}
  ${history}`;
}
