import type { RequestContext } from '../http/context.js';
import { html, type SafeHtml } from './html.js';
import { csrfField } from './layout.js';

export function renderLogin(c: RequestContext, next: string, username = ''): SafeHtml {
  const { t } = c;
  return html`<form method="post" action="/login" class="card narrow stack">
  ${csrfField(c)}
  <input type="hidden" name="next" value="${next}">
  <label>${t('login.username')}<input name="username" autocomplete="username" required value="${username}" autofocus></label>
  <label>${t('login.password')}<input name="password" type="password" autocomplete="current-password" required></label>
  <button type="submit">${t('login.submit')}</button>
</form>`;
}

export function renderPasswordForm(c: RequestContext): SafeHtml {
  const { t } = c;
  return html`<form method="post" action="/password" class="card narrow stack">
  ${csrfField(c)}
  <label>${t('password.current')}<input name="current" type="password" autocomplete="current-password" required></label>
  <label>${t('password.new')}<input name="password" type="password" autocomplete="new-password" required minlength="10"></label>
  <label>${t('password.confirm')}<input name="confirm" type="password" autocomplete="new-password" required minlength="10"></label>
  <p class="hint">${t('password.rules')}</p>
  <button type="submit">${t('password.submit')}</button>
</form>`;
}
