import type { ConsoleUser } from '@custodian/core';
import { isLocked } from '../auth/lockout.js';
import { ROLES } from '../authz.js';
import type { RequestContext } from '../http/context.js';
import type { MessageKey } from '../i18n.js';
import { formatInstant } from './format.js';
import { html, type SafeHtml } from './html.js';
import { csrfField } from './layout.js';

export interface AdminModel {
  users: ConsoleUser[];
  channels: string[];
  /** A one-time password just generated, shown once. */
  oneTime?: { username: string; password: string; created: boolean };
  form?: { username: string; displayName: string; roles: string[]; channel: string };
}

function roleBoxes(c: RequestContext, name: string, checked: readonly string[]): SafeHtml {
  return html`${ROLES.map(
    (r) =>
      html`<label class="choice"><input type="checkbox" name="${name}" value="${r}"${checked.includes(r) ? html` checked` : ''}> ${c.t(`role.${r}` as MessageKey)}</label>`,
  )}`;
}

function statusOf(c: RequestContext, u: ConsoleUser): string {
  const parts: string[] = [];
  if (u.disabled_at) parts.push(c.t('acct.disabled'));
  else if (isLocked(u, c.now)) parts.push(c.t('acct.locked'));
  else parts.push(c.t('acct.active'));
  if (u.must_change_password) parts.push(c.t('acct.mustChange'));
  return parts.join('，');
}

export function renderAdmin(c: RequestContext, m: AdminModel): SafeHtml {
  const { t } = c;
  const f = m.form ?? { username: '', displayName: '', roles: [], channel: '' };
  const oneTime = m.oneTime
    ? html`<section class="revealed" role="status"><p>${m.oneTime.created ? t('admin.created', { username: m.oneTime.username }) : t('admin.passwordReset', { username: m.oneTime.username })}</p>
      <p>${t('admin.oneTime')}</p><p class="clear-value"><output id="one-time-password">${m.oneTime.password}</output></p></section>`
    : '';
  const create = html`<section class="action"><h2>${t('admin.create')}</h2>
    <form method="post" action="/admin/users" class="stack">${csrfField(c)}
    <label>${t('admin.username')} <input name="username" required maxlength="64" value="${f.username}" autocomplete="off"></label>
    <label>${t('admin.displayName')} <input name="display_name" required maxlength="100" value="${f.displayName}"></label>
    <fieldset><legend>${t('admin.roles')}</legend>${roleBoxes(c, 'roles', f.roles)}</fieldset>
    <label>${t('admin.channel')} <input name="channel" list="channel-list" maxlength="100" value="${f.channel}"></label>
    <button type="submit">${t('admin.submit')}</button></form></section>
    <datalist id="channel-list">${m.channels.map((ch) => html`<option value="${ch}"></option>`)}</datalist>`;
  const rows = m.users.map(
    (u) => html`<tr id="user-${u.username}">
      <td>${u.username}</td>
      <td colspan="2"><form method="post" action="/admin/users/${u.user_id}" class="row-form">${csrfField(c)}
        <input name="display_name" value="${u.display_name}" maxlength="100" aria-label="${t('admin.displayName')}">
        ${roleBoxes(c, 'roles', u.roles)}
        <input name="channel" value="${u.channel ?? ''}" list="channel-list" maxlength="100" aria-label="${t('admin.channel')}" size="10">
        <button type="submit" name="action" value="save">${t('admin.save')}</button>
      </form></td>
      <td>${statusOf(c, u)}</td>
      <td>${formatInstant(u.last_login_at)}</td>
      <td><form method="post" action="/admin/users/${u.user_id}" class="inline">${csrfField(c)}
        ${isLocked(u, c.now) ? html`<button type="submit" name="action" value="unlock">${t('admin.unlock')}</button>` : ''}
        ${u.disabled_at ? html`<button type="submit" name="action" value="enable">${t('admin.enable')}</button>` : html`<button type="submit" name="action" value="disable" class="secondary">${t('admin.disable')}</button>`}
        <button type="submit" name="action" value="reset" class="secondary">${t('admin.resetPassword')}</button>
      </form></td>
    </tr>`,
  );
  return html`${oneTime}${create}
  <table class="accounts"><thead><tr><th>${t('admin.username')}</th><th colspan="2">${t('admin.displayName')} · ${t('admin.roles')} · ${t('field.channel')}</th><th>${t('admin.status')}</th><th>${t('admin.lastLogin')}</th><th>${t('admin.actions')}</th></tr></thead>
  <tbody>${rows}</tbody></table>`;
}
