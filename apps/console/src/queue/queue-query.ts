import type { Database, Flag } from '@custodian/core';
import { type Kysely, type SelectQueryBuilder, sql } from 'kysely';
import type { FlagScope } from '../authz.js';

/**
 * The review queue: filters, a whitelisted sort, offset paging and a capped count. Every value
 * from the query string reaches SQL only as a bound parameter; sort columns and directions come
 * from the whitelist below, never from the request. The default order (due date, then number,
 * over the not-yet-closed flags) is served by the partial index `flags_open_due`.
 */
export const QUEUE_STATUSES = ['active', 'open', 'assigned', 'resolved', 'closed', 'all'] as const;
export type QueueStatus = (typeof QUEUE_STATUSES)[number];
export const DUE_FILTERS = ['overdue', 'today', 'upcoming'] as const;
export type DueFilter = (typeof DUE_FILTERS)[number];
export const SORTS = ['due', 'flag_id', 'severity', 'rule', 'channel', 'listed_on'] as const;
export type QueueSort = (typeof SORTS)[number];
export const SEVERITIES = ['error', 'warning', 'info'] as const;

export interface QueueQuery {
  rule: string;
  severity: string;
  channel: string;
  branch: string;
  status: QueueStatus;
  due: DueFilter | '';
  assignee: string;
  sort: QueueSort;
  dir: 'asc' | 'desc';
  page: number;
}

/** Counting stops here: an exact count of 100k rows per page view is work nobody reads. */
export const COUNT_CAP = 10_000;
/** Deep pages cost an index walk of offset rows; past this the user narrows the filters. */
export const MAX_PAGE = 2_000;

function oneOf<T extends string>(value: string | null, allowed: readonly T[], fallback: T): T {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

function optionalOneOf<T extends string>(value: string | null, allowed: readonly T[]): T | '' {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : '';
}

function text(value: string | null): string {
  return (value ?? '').trim().slice(0, 100);
}

/** Reads the queue's query string; anything outside the whitelists falls back to the default. */
export function parseQueueQuery(q: URLSearchParams): QueueQuery {
  const page = Number.parseInt(q.get('page') ?? '1', 10);
  return {
    rule: text(q.get('rule')),
    severity: optionalOneOf(q.get('severity'), SEVERITIES),
    channel: text(q.get('channel')),
    branch: text(q.get('branch')),
    status: oneOf(q.get('status'), QUEUE_STATUSES, 'active'),
    due: optionalOneOf(q.get('due'), DUE_FILTERS),
    assignee: text(q.get('assignee')),
    sort: oneOf(q.get('sort'), SORTS, 'due'),
    dir: q.get('dir') === 'desc' ? 'desc' : 'asc',
    page: Number.isInteger(page) && page >= 1 ? Math.min(page, MAX_PAGE) : 1,
  };
}

/** The query string of a queue state, leaving out defaults (for links: paging, sorting). */
export function queueQueryString(q: QueueQuery, change: Partial<QueueQuery> = {}): string {
  const v = { ...q, ...change };
  const params = new URLSearchParams();
  if (v.rule) params.set('rule', v.rule);
  if (v.severity) params.set('severity', v.severity);
  if (v.channel) params.set('channel', v.channel);
  if (v.branch) params.set('branch', v.branch);
  if (v.status !== 'active') params.set('status', v.status);
  if (v.due) params.set('due', v.due);
  if (v.assignee) params.set('assignee', v.assignee);
  if (v.sort !== 'due') params.set('sort', v.sort);
  if (v.dir !== 'asc') params.set('dir', v.dir);
  if (v.page !== 1) params.set('page', String(v.page));
  const s = params.toString();
  return s ? `?${s}` : '';
}

export type QueueRow = Pick<
  Flag,
  | 'flag_id'
  | 'rule'
  | 'severity'
  | 'record_id'
  | 'channel'
  | 'branch'
  | 'reason_zh'
  | 'reason_en'
  | 'status'
  | 'outcome'
  | 'assignee'
  | 'listed_on'
  | 'due_on'
  | 'closed_at'
>;

export interface QueuePage {
  rows: QueueRow[];
  /** Exact up to COUNT_CAP; `capped` when there are more. */
  count: number;
  capped: boolean;
  hasNext: boolean;
}

function filtered(db: Kysely<Database>, q: QueueQuery, scope: FlagScope, today: string) {
  let s: SelectQueryBuilder<Database, 'flags', object> = db.selectFrom('flags');
  if (!scope.all) {
    // Row-level scope first: an investigator's channel overrides any channel filter.
    s = scope.channel === null ? s.where(sql<boolean>`false`) : s.where('channel', '=', scope.channel);
  } else if (q.channel) {
    s = s.where('channel', '=', q.channel);
  }
  if (q.rule) s = s.where('rule', '=', q.rule);
  if (q.severity) s = s.where('severity', '=', q.severity as Flag['severity']);
  if (q.branch) s = s.where('branch', '=', q.branch);
  if (q.assignee) s = s.where('assignee', '=', q.assignee);
  if (q.status === 'active') s = s.where('status', '<>', 'closed');
  else if (q.status !== 'all') s = s.where('status', '=', q.status);
  if (q.due === 'overdue') s = s.where('due_on', '<', today);
  else if (q.due === 'today') s = s.where('due_on', '=', today);
  else if (q.due === 'upcoming') s = s.where('due_on', '>', today);
  return s;
}

/**
 * Counts are kept for `countCacheMs` per filter set: twenty people opening the default queue
 * need one count, not twenty. A count may so lag an action by that long; the rows never do.
 */
const countCache = new WeakMap<Kysely<Database>, Map<string, { at: number; n: number }>>();
const COUNT_CACHE_ENTRIES = 1_000;

async function cappedCount(
  db: Kysely<Database>,
  q: QueueQuery,
  scope: FlagScope,
  today: string,
  cacheMs: number,
  nowMs: number,
): Promise<number> {
  const key = JSON.stringify([
    q.rule,
    q.severity,
    q.channel,
    q.branch,
    q.assignee,
    q.status,
    q.due,
    scope,
    today,
  ]);
  let cache = countCache.get(db);
  if (!cache) {
    cache = new Map();
    countCache.set(db, cache);
  }
  const hit = cache.get(key);
  if (cacheMs > 0 && hit && nowMs - hit.at < cacheMs) return hit.n;
  const row = await db
    .selectFrom(
      filtered(db, q, scope, today)
        .select(sql<number>`1`.as('one'))
        .limit(COUNT_CAP + 1)
        .as('capped'),
    )
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const n = Number(row.n);
  if (cacheMs > 0) {
    if (cache.size >= COUNT_CACHE_ENTRIES) cache.clear();
    cache.set(key, { at: nowMs, n });
  }
  return n;
}

export async function listQueue(
  db: Kysely<Database>,
  q: QueueQuery,
  scope: FlagScope,
  opts: { today: string; pageSize: number; countCacheMs: number; nowMs: number },
): Promise<QueuePage> {
  const base = filtered(db, q, scope, opts.today);
  let rows = base.select([
    'flag_id',
    'rule',
    'severity',
    'record_id',
    'channel',
    'branch',
    'reason_zh',
    'reason_en',
    'status',
    'outcome',
    'assignee',
    'listed_on',
    'due_on',
    'closed_at',
  ]);
  const dir = q.dir;
  switch (q.sort) {
    case 'due':
      rows = rows.orderBy('due_on', dir).orderBy('flag_id', dir);
      break;
    case 'flag_id':
      rows = rows.orderBy('flag_id', dir);
      break;
    case 'severity':
      rows = rows
        .orderBy(sql`case severity when 'error' then 0 when 'warning' then 1 else 2 end`, dir)
        .orderBy('due_on')
        .orderBy('flag_id');
      break;
    case 'rule':
      rows = rows.orderBy('rule', dir).orderBy('due_on').orderBy('flag_id');
      break;
    case 'channel':
      rows = rows.orderBy('channel', dir).orderBy('due_on').orderBy('flag_id');
      break;
    case 'listed_on':
      rows = rows.orderBy('listed_on', dir).orderBy('flag_id');
      break;
  }
  const offset = (q.page - 1) * opts.pageSize;
  const [page, n] = await Promise.all([
    rows
      .limit(opts.pageSize + 1)
      .offset(offset)
      .execute(),
    cappedCount(db, q, scope, opts.today, opts.countCacheMs, opts.nowMs),
  ]);
  return {
    rows: page.slice(0, opts.pageSize),
    count: Math.min(n, COUNT_CAP),
    capped: n > COUNT_CAP,
    hasNext: page.length > opts.pageSize,
  };
}

/** Values offered in the filter lists; cached briefly, since a distinct over 100k flags per page view is waste. */
export interface FilterOptions {
  rules: string[];
  channels: string[];
  branches: string[];
}

const OPTIONS_TTL_MS = 5 * 60_000;
const optionsCache = new WeakMap<Kysely<Database>, Map<string, { at: number; value: FilterOptions }>>();

export async function filterOptions(
  db: Kysely<Database>,
  scope: FlagScope,
  nowMs: number,
): Promise<FilterOptions> {
  let cache = optionsCache.get(db);
  if (!cache) {
    cache = new Map();
    optionsCache.set(db, cache);
  }
  const key = scope.all ? '*' : `channel:${scope.channel ?? ''}`;
  const hit = cache.get(key);
  if (hit && nowMs - hit.at < OPTIONS_TTL_MS) return hit.value;
  const scoped = () => {
    const s = db.selectFrom('flags');
    if (scope.all) return s;
    return scope.channel === null ? s.where(sql<boolean>`false`) : s.where('channel', '=', scope.channel);
  };
  const [rules, channels, branches] = await Promise.all([
    scoped().select('rule').distinct().orderBy('rule').execute(),
    scope.all
      ? scoped().select('channel').distinct().where('channel', 'is not', null).orderBy('channel').execute()
      : [],
    scoped()
      .select('branch')
      .distinct()
      .where('branch', 'is not', null)
      .orderBy('branch')
      .limit(500)
      .execute(),
  ]);
  const value: FilterOptions = {
    rules: rules.map((r) => r.rule),
    channels: channels.map((r) => r.channel!).filter(Boolean),
    branches: branches.map((r) => r.branch!).filter(Boolean),
  };
  cache.set(key, { at: nowMs, value });
  return value;
}
