import type { Kysely } from 'kysely';
import { CustodianError } from '../errors.js';
import type { Database, Flag, FlagEvent } from '../storage/database.js';
import { type ExportWindow, iterateById, pageWindow } from '../storage/page-window.js';
import { heldCorrectionIn } from './review.js';

/** Filters of `flags list`, the console queue and the reports. All optional; combined with AND. */
export interface FlagFilters {
  rule?: string;
  severity?: string;
  channel?: string;
  branch?: string;
  /** One status, or several (`OPEN_STATUSES`: every not-yet-closed flag, the work list). */
  status?: string | readonly string[];
  batchId?: number;
  /**
   * Due strictly before this date, as the name says (`--due-before 2026-11-27` leaves out the flags
   * due on the 27th): the console's "overdue" is `dueBefore` today.
   */
  dueBefore?: string;
  dueOn?: string;
  listedOn?: string;
  assignee?: string;
  recordId?: string;
}

function applyFilters(db: Kysely<Database>, f: FlagFilters) {
  let q = db.selectFrom('flags');
  if (f.rule) q = q.where('rule', '=', f.rule);
  if (f.severity) q = q.where('severity', '=', f.severity as Flag['severity']);
  if (f.channel) q = q.where('channel', '=', f.channel);
  if (f.branch) q = q.where('branch', '=', f.branch);
  if (typeof f.status === 'string') q = q.where('status', '=', f.status as Flag['status']);
  else if (f.status && f.status.length > 0) q = q.where('status', 'in', f.status as Flag['status'][]);
  if (f.batchId !== undefined) q = q.where('batch_id', '=', f.batchId);
  if (f.dueBefore) q = q.where('due_on', '<', f.dueBefore);
  if (f.dueOn) q = q.where('due_on', '=', f.dueOn);
  if (f.listedOn) q = q.where('listed_on', '=', f.listedOn);
  if (f.assignee) q = q.where('assignee', '=', f.assignee);
  if (f.recordId) q = q.where('record_id', '=', f.recordId);
  return q;
}

export interface FlagPage {
  flags: Flag[];
  total: number;
}

/** One page of flags, oldest due first (the order reviewers work in), with the filtered total. */
export async function listFlags(
  db: Kysely<Database>,
  filters: FlagFilters,
  page: { limit?: number; offset?: number; order?: 'due' | 'flag_id' | 'severity' } = {},
): Promise<FlagPage> {
  const { limit, offset } = pageWindow(page);
  let q = applyFilters(db, filters).selectAll();
  if (page.order === 'flag_id') q = q.orderBy('flag_id');
  else if (page.order === 'severity') q = q.orderBy('severity').orderBy('due_on').orderBy('flag_id');
  else q = q.orderBy('due_on').orderBy('flag_id');
  const [flags, count] = await Promise.all([
    q.limit(limit).offset(offset).execute(),
    applyFilters(db, filters)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  return { flags, total: Number(count.n) };
}

/**
 * Every flag matching the filters, in flag order, a page at a time (constant memory for exports):
 * from the `offset`-th (0: the first) and at most `limit` of them when given.
 */
export function iterateFlags(
  db: Kysely<Database>,
  filters: FlagFilters,
  window: ExportWindow = {},
): AsyncGenerator<Flag> {
  return iterateById(
    (after, size, skip) => {
      const q = applyFilters(db, filters)
        .selectAll()
        .where('flag_id', '>', after)
        .orderBy('flag_id')
        .limit(size);
      return (skip > 0 ? q.offset(skip) : q).execute();
    },
    (f) => f.flag_id,
    window,
  );
}

/** The flags-export line (formats.md "Flags export"): masked values only. */
export function toFlagExport(f: Flag): Record<string, unknown> {
  return {
    flag_id: f.flag_id,
    rule: f.rule,
    severity: f.severity,
    record_id: f.record_id,
    archive_no: f.archive_no,
    batch_id: f.batch_id,
    related_record_ids: f.related_record_ids,
    reason_zh: f.reason_zh,
    reason_en: f.reason_en,
    status: f.status,
    outcome: f.outcome,
    listed_on: f.listed_on,
    due_on: f.due_on,
    channel: f.channel,
    branch: f.branch,
    agent_id: f.agent_id,
    assignee: f.assignee,
    masked_values: f.masked_values,
  };
}

export interface FlagDetail {
  flag: Flag;
  history: FlagEvent[];
  /** The corrected values a resolved flag holds until verification, masked; null when none. */
  pendingCorrection: Record<string, string> | null;
  /** The flagged record and the other records of its group, masked. */
  records: {
    record_id: string;
    archive_no: string | null;
    holder_name: string | null;
    holder_id: string | null;
    holder_phone: string | null;
    /** The line a telecom record is for (ID_LINE_LIMIT counts them), masked. */
    service_number: string | null;
    holder_address: string | null;
    bank_account: string | null;
    channel: string | null;
    branch: string | null;
    agent_id: string | null;
  }[];
}

export async function getFlagDetail(db: Kysely<Database>, flagId: number): Promise<FlagDetail> {
  const flag = await db.selectFrom('flags').selectAll().where('flag_id', '=', flagId).executeTakeFirst();
  if (!flag) throw new CustodianError('FLAG_NOT_FOUND', `flag ${flagId} does not exist`, { flagId });
  const history = await db
    .selectFrom('flag_events')
    .selectAll()
    .where('flag_id', '=', flagId)
    .orderBy('event_id')
    .execute();
  const ids = [flag.record_id, ...flag.related_record_ids];
  const records = await db
    .selectFrom('customers')
    .select([
      'record_id',
      'archive_no',
      'holder_name_masked as holder_name',
      'holder_id_masked as holder_id',
      'holder_phone_masked as holder_phone',
      'service_number_masked as service_number',
      'holder_address_masked as holder_address',
      'bank_account_masked as bank_account',
      'channel',
      'branch',
      'agent_id',
    ])
    .where('record_id', 'in', ids)
    .execute();
  records.sort((a, b) => ids.indexOf(a.record_id) - ids.indexOf(b.record_id));
  return { flag, history, records, pendingCorrection: heldCorrectionIn(flag, history) };
}

/** A free-text filter of `flags list` / `export` whose value no flag holds, with the values flags do hold. */
export interface UnmatchedFilter {
  filter: 'channel' | 'branch' | 'assignee';
  value: string;
  /** The values the flags of the archive hold for it, sorted, at most `cap` of them. */
  known: string[];
  /** How many more values there are beyond `known`. */
  more: number;
}

/**
 * The free-text filters (channel, branch, assignee) whose value no flag of the archive holds, whatever
 * its status or the other filters: a typo (`--channel 个陷`) that would otherwise read as an empty list.
 * Each comes with the values that exist (channels and branches are no personal data; assignees are
 * staff), at most `cap`. Asked only when a list came out empty.
 */
export async function unmatchedFilters(
  db: Kysely<Database>,
  filters: FlagFilters,
  cap = 20,
): Promise<UnmatchedFilter[]> {
  const unmatched: UnmatchedFilter[] = [];
  for (const filter of ['channel', 'branch', 'assignee'] as const) {
    const value = filters[filter];
    if (!value) continue;
    // One read of the values the flags hold answers both questions: is the value among them, and which are.
    const values = await db
      .selectFrom('flags')
      .select(filter)
      .distinct()
      .where(filter, 'is not', null)
      .orderBy(filter)
      .execute();
    const all = values.map((r) => r[filter] as string);
    if (all.includes(value)) continue;
    unmatched.push({ filter, value, known: all.slice(0, cap), more: Math.max(0, all.length - cap) });
  }
  return unmatched;
}
