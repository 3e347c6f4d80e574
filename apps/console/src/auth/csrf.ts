import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * CSRF defence for every POST: the form must carry the session's own random token (synchronizer
 * token, compared in constant time), and a browser's Origin / Sec-Fetch-Site headers, when sent,
 * must say the request comes from the console itself. Cookies are SameSite=Strict as a third layer.
 */
export const CSRF_FIELD = '_csrf';

export function tokensMatch(expected: string | undefined, given: string | null | undefined): boolean {
  if (!expected || !given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** False when the browser says the request was made by another site. */
export function sameOriginRequest(headers: IncomingHttpHeaders): boolean {
  const site = headers['sec-fetch-site'];
  if (site && site !== 'same-origin' && site !== 'none') return false;
  const origin = headers.origin;
  if (origin === undefined) return true;
  if (origin === 'null') return false;
  try {
    return new URL(origin).host === headers.host;
  } catch {
    return false;
  }
}
