import { CSRF_FIELD } from '../auth/csrf.js';
import { authorize, type RouteId } from '../authz.js';
import type { Reply, RequestContext } from '../http/context.js';
import { isMessageKey, type MessageKey } from '../i18n.js';
import { html, type SafeHtml } from './html.js';

export interface PageOptions {
  status?: number;
  /** A success message (already translated). */
  notice?: string | undefined;
  /** An error message (already translated; shown as text). */
  error?: string | undefined;
  /** Pages that show a clear value must not be kept by any cache. */
  bare?: boolean;
}

const NAV: { route: RouteId; href: string; label: MessageKey }[] = [
  { route: 'queue', href: '/flags', label: 'nav.queue' },
  { route: 'dashboard', href: '/dashboard', label: 'nav.dashboard' },
  { route: 'anomalies', href: '/anomalies', label: 'nav.anomalies' },
  { route: 'admin.users', href: '/admin/users', label: 'nav.admin' },
];

/** The hidden CSRF field every form posts. */
export function csrfField(c: RequestContext): SafeHtml {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${c.session?.csrfToken ?? ''}">`;
}

/** The current URL with another language, for the language switch. */
function otherLanguageHref(c: RequestContext): string {
  const u = new URL(c.url.toString());
  u.searchParams.set('lang', c.lang === 'zh' ? 'en' : 'zh');
  u.searchParams.delete('done');
  return `${u.pathname}${u.search}`;
}

/** The success message named by `?done=` (a message key), if any. */
export function doneNotice(c: RequestContext): string | undefined {
  const key = c.query.get('done');
  return key && isMessageKey(key) && key.startsWith('done.') ? c.t(key) : undefined;
}

export function page(c: RequestContext, title: string, body: SafeHtml, opts: PageOptions = {}): Reply {
  const { t, user } = c;
  const nav = user
    ? NAV.filter((n) => authorize(n.route, user.roles) === 'allow').map(
        (n) =>
          html`<a href="${n.href}"${c.url.pathname.startsWith(n.href) ? html` aria-current="page"` : ''}>${t(n.label)}</a>`,
      )
    : [];
  const roles = user
    ? user.roles.map((r) => (isMessageKey(`role.${r}`) ? t(`role.${r}` as MessageKey) : r)).join('、')
    : '';
  const doc = html`<!doctype html>
<html lang="${c.lang === 'zh' ? 'zh-CN' : 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ${t('app.title')}</title>
<link rel="stylesheet" href="/static/console.css">
</head>
<body>
<a class="skip" href="#main">${t('nav.skip')}</a>
<header class="top">
  <span class="brand">${t('app.title')}</span>
  <nav>${nav}</nav>
  <span class="who">
    ${user ? html`<span class="user">${t('user.signedIn', { name: user.display_name, roles })}</span> <a href="/password">${t('nav.password')}</a>` : ''}
    <a href="${otherLanguageHref(c)}" lang="${c.lang === 'zh' ? 'en' : 'zh'}">${t('lang.other')}</a>
    ${user ? html`<form method="post" action="/logout" class="inline">${csrfField(c)}<button type="submit" class="link">${t('nav.logout')}</button></form>` : ''}
  </span>
</header>
<main id="main">
<h1>${title}</h1>
${opts.notice ? html`<p class="notice" role="status">${opts.notice}</p>` : ''}
${opts.error ? html`<p class="error" role="alert">${opts.error}</p>` : ''}
${body}
</main>
</body>
</html>`;
  return {
    status: opts.status ?? 200,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: doc.value,
  };
}

export function errorPage(c: RequestContext, status: number, message: string): Reply {
  return page(c, c.t('error.title'), html`<p><a href="/">${c.t('nav.home')}</a></p>`, {
    status,
    error: message,
  });
}
