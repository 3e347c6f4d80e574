import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import {
  appendAuditTrail,
  type CorrectionCodecFactory,
  type CustodianContext,
  isCustodianError,
} from '@custodian/core';
import { passwordExpired } from './auth/accounts.js';
import { CSRF_FIELD, sameOriginRequest, tokensMatch } from './auth/csrf.js';
import type { ScryptCost } from './auth/passwords.js';
import { type LoadedSession, loadSession, purgeExpiredSessions, SESSION_COOKIE } from './auth/sessions.js';
import { authorize, type RouteId } from './authz.js';
import { correctionCodec as defaultCorrectionCodec } from './flags/correction.js';
import type { AppDeps, Handler, Reply, RequestContext } from './http/context.js';
import { redirect } from './http/context.js';
import { BodyTooLargeError, parseCookies, readForm, serializeCookie } from './http/request.js';
import { LANG_COOKIE, pickLanguage, translator } from './i18n.js';
import { buildRouter } from './routes/index.js';
import { type ConsoleSettings, readConsoleSettings } from './settings.js';
import { errorPage } from './views/layout.js';

export interface ConsoleServerOptions {
  /** Overrides of the console settings read from the configuration. */
  settings?: Partial<ConsoleSettings>;
  now?: () => Date;
  correctionCodec?: CorrectionCodecFactory;
  scryptCost?: ScryptCost;
  logError?: (err: unknown) => void;
}

/**
 * Headers of every response. The CSP allows nothing but the console's own stylesheet, images and
 * forms: no script runs at all, so an injected tag could not run even if escaping ever failed.
 */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

/** Routes an account that must change its password may still use. */
const ALLOWED_BEFORE_PASSWORD_CHANGE = new Set<RouteId>([
  'password.form',
  'password.submit',
  'logout',
  'static',
  'health',
  'login.form',
  'login.submit',
]);

const PURGE_INTERVAL_MS = 10 * 60_000;

/**
 * The console's HTTP server over an opened Custodian context. Not listening yet: the caller
 * calls `listen` (tests on port 0). Closing the server stops its timers; the context stays open.
 */
export function createServer(ctx: CustodianContext, opts: ConsoleServerOptions = {}): Server {
  const settings = { ...readConsoleSettings(ctx.config), ...opts.settings };
  const deps: AppDeps = {
    ctx,
    settings,
    now: opts.now ?? (() => new Date()),
    correctionCodec: opts.correctionCodec ?? defaultCorrectionCodec,
    ...(opts.scryptCost ? { scryptCost: opts.scryptCost } : {}),
    logError:
      opts.logError ??
      ((err) => process.stderr.write(`console error: ${(err as Error)?.stack ?? String(err)}\n`)),
  };
  const router = buildRouter();
  const server = createHttpServer((req, res) => {
    handle(deps, router, req, res).catch((err) => {
      deps.logError(err);
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
      }
      res.end('internal error');
    });
  });
  const purge = setInterval(() => {
    purgeExpiredSessions(ctx.storage.db, deps.now()).catch(deps.logError);
  }, PURGE_INTERVAL_MS);
  purge.unref();
  server.on('close', () => clearInterval(purge));
  return server;
}

async function handle(
  deps: AppDeps,
  router: ReturnType<typeof buildRouter>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const db = deps.ctx.storage.db;
  const url = new URL(req.url ?? '/', 'http://console.invalid');
  const cookies = parseCookies(req.headers.cookie);
  const langParam = url.searchParams.get('lang');
  const lang = pickLanguage(langParam, cookies[LANG_COOKIE], deps.settings.defaultLanguage);
  const now = deps.now();
  const token = cookies[SESSION_COOKIE];
  let session: LoadedSession | null = null;
  if (token) session = (await loadSession(db, token, now, sessionTimes(deps.settings))) ?? null;
  const c: RequestContext = {
    deps,
    req,
    routeId: 'home',
    url,
    params: {},
    query: url.searchParams,
    form: new URLSearchParams(),
    lang,
    t: translator(lang),
    now,
    ip: req.socket.remoteAddress ?? null,
    session,
    user: session?.user ?? null,
    cookies: [],
  };
  if (langParam && (langParam === 'zh' || langParam === 'en')) {
    c.cookies.push(
      serializeCookie(LANG_COOKIE, lang, {
        maxAgeSeconds: 365 * 86_400,
        secure: deps.settings.secureCookies,
        sameSite: 'Lax',
      }),
    );
  }
  if (token && !session) {
    // A cookie naming no live session: drop it, so the browser stops sending it.
    c.cookies.push(
      serializeCookie(SESSION_COOKIE, '', { maxAgeSeconds: 0, secure: deps.settings.secureCookies }),
    );
  }
  const reply = await dispatch(c, router, req);
  send(res, req, reply, c.cookies);
}

function sessionTimes(s: ConsoleSettings) {
  return { idleMinutes: s.sessionIdleMinutes, maxHours: s.sessionMaxHours };
}

async function dispatch(
  c: RequestContext,
  router: ReturnType<typeof buildRouter>,
  req: IncomingMessage,
): Promise<Reply> {
  const method = req.method ?? 'GET';
  const match = router.match(method, c.url.pathname);
  if (match === 'notFound') return errorPage(c, 404, c.t('error.notFound'));
  if (match === 'methodNotAllowed')
    return {
      ...errorPage(c, 405, c.t('error.badRequest')),
      headers: { 'content-type': 'text/html; charset=utf-8', allow: 'GET, POST' },
    };
  c.routeId = match.route.id as RouteId;
  c.params = match.params;
  const decision = authorize(c.routeId, c.user ? c.user.roles : null);
  if (decision === 'login') {
    const next = `${c.url.pathname}${c.url.search}`;
    return redirect(method === 'GET' ? `/login?next=${encodeURIComponent(next)}` : '/login');
  }
  if (decision === 'forbidden') {
    // Refused access is itself worth auditing (004 §7: abnormal operations).
    await appendAuditTrail(c.deps.ctx.storage.db, {
      actor: c.user!.username,
      action: 'console.access_denied',
      targetType: 'route',
      targetId: c.routeId,
      detail: { method, path: c.url.pathname.slice(0, 200) },
    });
    return errorPage(c, 403, c.t('error.forbidden'));
  }
  if (
    c.user &&
    !ALLOWED_BEFORE_PASSWORD_CHANGE.has(c.routeId) &&
    (c.user.must_change_password || passwordExpired(c.user, c.deps.settings.passwordMaxAgeDays, c.now))
  ) {
    return redirect('/password');
  }
  if (method === 'POST') {
    try {
      c.form = await readForm(req);
    } catch (err) {
      if (err instanceof BodyTooLargeError) return errorPage(c, 413, c.t('error.tooLarge'));
      throw err;
    }
    if (!sameOriginRequest(req.headers) || !tokensMatch(c.session?.csrfToken, c.form.get(CSRF_FIELD))) {
      return errorPage(c, 403, c.t('error.csrf'));
    }
  }
  const handler = match.route.handler as Handler;
  try {
    return await handler(c);
  } catch (err) {
    if (isCustodianError(err) && err.code === 'FLAG_NOT_FOUND')
      return errorPage(c, 404, c.t('error.notFound'));
    c.deps.logError(err);
    return errorPage(c, 500, c.t('error.server'));
  }
}

function send(res: ServerResponse, req: IncomingMessage, reply: Reply, cookies: string[]): void {
  const headers: Record<string, string | string[]> = {
    ...SECURITY_HEADERS,
    'cache-control': 'no-store',
    ...reply.headers,
  };
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  // Encoded once: the length header and the bytes sent come from the same buffer.
  const body =
    typeof reply.body === 'string' ? Buffer.from(reply.body, 'utf8') : (reply.body ?? Buffer.alloc(0));
  headers['content-length'] = String(body.length);
  res.writeHead(reply.status, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}
