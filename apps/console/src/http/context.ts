import type { IncomingMessage } from 'node:http';
import type { ConsoleUser, CorrectionCodecFactory, CustodianContext } from '@custodian/core';
import type { ScryptCost } from '../auth/passwords.js';
import type { LoadedSession } from '../auth/sessions.js';
import type { RouteId } from '../authz.js';
import type { Lang, MessageKey, Translate } from '../i18n.js';
import type { ConsoleSettings } from '../settings.js';

/** What the server needs, built once at start. */
export interface AppDeps {
  ctx: CustodianContext;
  settings: ConsoleSettings;
  /** The clock; tests fix it to make deadlines and lockouts deterministic. */
  now: () => Date;
  /** Checks corrected values at resolve, writes them at verification (apps/ingest's correctionCodec). */
  correctionCodec: CorrectionCodecFactory;
  /** Tests lower the scrypt cost of the accounts they create through the console. */
  scryptCost?: ScryptCost;
  /** Where unexpected errors go (stderr by default); never shown to the user. */
  logError: (err: unknown) => void;
}

export interface RequestContext {
  deps: AppDeps;
  req: IncomingMessage;
  routeId: RouteId;
  url: URL;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The parsed form of a POST; empty for GET. */
  form: URLSearchParams;
  lang: Lang;
  t: Translate;
  now: Date;
  ip: string | null;
  session: LoadedSession | null;
  /** The signed-in account; always set for routes that are not public. */
  user: ConsoleUser | null;
  /** Set-Cookie headers to send with the reply. */
  cookies: string[];
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export type Handler = (c: RequestContext) => Promise<Reply>;

/** The signed-in account of a route that requires one (the server guarantees it before the handler runs). */
export function userOf(c: RequestContext): ConsoleUser {
  if (!c.user) throw new Error(`route ${c.routeId} reached without an account`);
  return c.user;
}

export function redirect(location: string, status = 303): Reply {
  return { status, headers: { location } };
}

/** Only local paths are followed after login (no open redirect to another site). */
export function safeLocalPath(value: string | null | undefined, fallback = '/'): string {
  if (!value?.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback;
  return value;
}

/** A success message travels through the redirect as a key, never as free text (nothing to inject). */
export function withDone(path: string, key: MessageKey): string {
  return `${path}${path.includes('?') ? '&' : '?'}done=${encodeURIComponent(key)}`;
}
