import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { CustodianError } from '../errors.js';
import { type Config, configSchema } from './schema.js';

/** Environment variables read, with the setting each one fills (its path in the configuration). */
const ENV_MAP: Record<string, { path: string[]; number?: boolean; secret?: boolean }> = {
  // A server URL may hold a password, and the master keys are the keys: their values are never printed.
  DATABASE_URL: { path: ['databaseUrl'], secret: true },
  CUSTODIAN_DATA_DIR: { path: ['dataDir'] },
  CUSTODIAN_MASTER_KEYS: { path: ['masterKeys'], secret: true },
  CUSTODIAN_TIME_ZONE: { path: ['timeZone'] },
  CUSTODIAN_CALENDAR_FILE: { path: ['calendarOverrideFile'] },
  CUSTODIAN_ACTOR: { path: ['actor'] },
  CUSTODIAN_INBOX: { path: ['ingest', 'inbox'] },
  CUSTODIAN_PROFILE: { path: ['ingest', 'profile'] },
  CUSTODIAN_WORKERS: { path: ['ingest', 'workers'], number: true },
  CUSTODIAN_REPORTS_DIR: { path: ['reports', 'outDir'] },
  CUSTODIAN_CONSOLE_PORT: { path: ['console', 'port'], number: true },
};

function section(c: Record<string, unknown>, name: string): Record<string, unknown> {
  const existing = c[name];
  if (existing && typeof existing === 'object') return existing as Record<string, unknown>;
  const created: Record<string, unknown> = {};
  c[name] = created;
  return created;
}

export interface LoadConfigOptions {
  /** Defaults to `process.env`; tests pass their own. */
  env?: Record<string, string | undefined>;
  /** A JSON config file; defaults to `CUSTODIAN_CONFIG`, then `./custodian.config.json` if it exists; `false`: none. */
  file?: string | false;
  /** Settings that win over file and environment (command-line flags). */
  overrides?: Record<string, unknown>;
}

/**
 * Reads the configuration: file first, then environment, then overrides. Throws a CustodianError
 * `CONFIG_INVALID` naming each bad setting and where it came from: the file (named only when one
 * was read), the environment variable and its value, or the overrides. An unknown key is refused
 * with its path and the nearest known key, as any other invalid setting.
 */
export function loadConfig(opts: LoadConfigOptions = {}): Config {
  const env = opts.env ?? process.env;
  const raw: Record<string, unknown> = {};
  const explicitFile = opts.file === false ? undefined : (opts.file ?? env.CUSTODIAN_CONFIG);
  const file = explicitFile ?? './custodian.config.json';
  let text: string | undefined;
  if (opts.file !== false) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if (explicitFile) {
        throw new CustodianError(
          'CONFIG_INVALID',
          `cannot read config file ${file}: ${(err as Error).message}`,
        );
      }
    }
  }
  if (text !== undefined) {
    let parsedFile: unknown;
    try {
      parsedFile = JSON.parse(text);
    } catch (err) {
      throw new CustodianError(
        'CONFIG_INVALID',
        `config file ${file} is not valid JSON: ${(err as Error).message}`,
      );
    }
    if (!isPlainObject(parsedFile))
      throw new CustodianError(
        'CONFIG_INVALID',
        `config file ${file} must hold a JSON object ({"ingest": {…}, …}), not ${describeJson(parsedFile)}`,
      );
    Object.assign(raw, parsedFile);
  }
  // Where each setting set after the file came from, by its dotted path: a message names it.
  const origins = new Map<string, string>();
  for (const [name, target] of Object.entries(ENV_MAP)) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    // A number that is not one stays text, so that the message shows what was written (Number('abc') is NaN).
    const value = target.number && /^\s*[+-]?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v;
    setPath(raw, target.path, value);
    origins.set(
      target.path.join('.'),
      target.secret
        ? `environment variable ${name}, value not shown`
        : `environment variable ${name}=${JSON.stringify(v)}`,
    );
  }
  deepAssign(raw, opts.overrides ?? {});
  for (const p of leafPaths(opts.overrides ?? {})) origins.set(p, 'overrides (command line)');
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap((i) => describeIssue(i, origins));
    const lines = problems.map((p) => `  ${p.text}${p.from ? ` (from ${p.from})` : ''}`);
    // The file is named when it was read and a problem is in it (not set by a variable or override).
    const where = text !== undefined && problems.some((p) => !p.from) ? ` (file ${file})` : '';
    throw new CustodianError('CONFIG_INVALID', `invalid configuration${where}:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** Each problem: the setting's path and what is wrong, and where the value came from unless the file. */
function describeIssue(
  issue: z.core.$ZodIssue,
  origins: Map<string, string>,
): { text: string; from?: string }[] {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(path);
    return issue.keys.map((k) => {
      const full = [...path, k].join('.');
      const near = nearest(k, known);
      const from = origins.get(full);
      const text = `${full}: unknown setting${near ? ` (did you mean ${[...path, near].join('.')}?)` : ''}`;
      return from ? { text, from } : { text };
    });
  }
  // The value's origin: the setting itself, or the nearest enclosing one that was set.
  let from: string | undefined;
  for (let n = path.length; n > 0 && !from; n--) from = origins.get(path.slice(0, n).join('.'));
  const text = `${path.join('.') || '(root)'}: ${issue.message}`;
  return from ? [{ text, from }] : [{ text }];
}

/** The keys the schema knows for the object at `path` (through defaults and optionals). */
function knownKeysAt(path: string[]): string[] {
  let node: unknown = configSchema;
  for (const key of [undefined, ...path]) {
    if (key !== undefined) node = (node as { shape?: Record<string, unknown> }).shape?.[key];
    // Unwrap .default(), .prefault(), .optional() to the object inside.
    while (node && (node as { _zod?: { def?: { innerType?: unknown } } })._zod?.def?.innerType)
      node = (node as { _zod: { def: { innerType: unknown } } })._zod.def.innerType;
    if (!node) return [];
  }
  return Object.keys((node as { shape?: Record<string, unknown> }).shape ?? {});
}

/** The known key nearest to a misspelt one (case-insensitive edit distance), when it is near enough to be the one meant. */
function nearest(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describeJson(v: unknown): string {
  return Array.isArray(v) ? 'an array' : v === null ? 'null' : `a ${typeof v}`;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) node = section(node, key);
  node[path[path.length - 1]!] = value;
}

/** The dotted paths of an object's leaves (the settings an override sets). */
function leafPaths(src: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(src).flatMap(([k, v]) =>
    v === undefined ? [] : isPlainObject(v) ? leafPaths(v, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

function deepAssign(target: Record<string, unknown>, src: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(src)) {
    if (v === undefined) continue;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      deepAssign(section(target, k), v as Record<string, unknown>);
    } else {
      target[k] = v;
    }
  }
}

/**
 * The server integration tests run against: `TEST_DATABASE_URL`, else `DATABASE_URL`, else none
 * (then only the embedded database is tested). Kept here so that only the config module reads the environment.
 */
export function readTestDatabaseUrl(
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  return env.TEST_DATABASE_URL || env.DATABASE_URL || undefined;
}
