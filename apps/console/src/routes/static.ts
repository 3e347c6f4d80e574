import { readFileSync } from 'node:fs';
import type { Reply, RequestContext } from '../http/context.js';
import { errorPage } from '../views/layout.js';

/**
 * The console's own assets, read once at start from `static/` beside this module (copied to dist
 * by the build). Only the files listed here are served: no path from the request touches the disk.
 */
const ASSETS: Record<string, string> = {
  'console.css': 'text/css; charset=utf-8',
};

const cache = new Map<string, Buffer>();
function asset(name: string): Buffer {
  let body = cache.get(name);
  if (!body) {
    body = readFileSync(new URL(`../static/${name}`, import.meta.url));
    cache.set(name, body);
  }
  return body;
}

export async function staticFile(c: RequestContext): Promise<Reply> {
  const name = c.params.file ?? '';
  const type = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!type) return errorPage(c, 404, c.t('error.notFound'));
  return {
    status: 200,
    headers: { 'content-type': type, 'cache-control': 'public, max-age=3600' },
    body: asset(name),
  };
}

export async function health(): Promise<Reply> {
  return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'ok' };
}
