import { type RawBuilder, sql, type Transaction } from 'kysely';
import type { Database } from '../storage/database.js';
import { withCheapParallelRows } from './parallel-scan.js';

/**
 * Archive-wide cross-record rules (rulebook section 1; 002 §3.7, §3.11, §3.14), evaluated in SQL
 * through the blind indexes so that nothing is decrypted. Each rule first finds, by an index join
 * from the records changed by this batch, the values that have a problem anywhere in the archive,
 * then builds the whole group for each such value: the cost follows the batch, not the archive.
 *
 * Findings go to the temporary table `batch_findings`. The values looked at are those of the
 * changed records (table `changed` of the merge, which carries them) plus, in `touched`, the subjects of the
 * changed records' open flags (their old values), so that flags of a group that is no longer a
 * problem can close themselves.
 */
export const CROSS_RECORD_RULES = [
  'DUP_PHONE',
  'DUP_BANK_ACCOUNT',
  'ID_CONFLICT',
  'ID_LINE_LIMIT',
  'AGENT_CONTACT_SUBSTITUTION',
  'AGENT_RECHECK',
] as const;

/** At most this many other records are named in one flag (the reason gives the full count): a group of
 * thousands sharing one value must not cost thousands of array operations per member. */
const MAX_RELATED = 50;

/** The column of `changed` (and of `customers`) holding the value each value rule groups by. */
export const VALUE_RULE_COLUMNS = {
  DUP_PHONE: 'holder_phone_bidx',
  DUP_BANK_ACCOUNT: 'bank_account_bidx',
  ID_CONFLICT: 'holder_id_bidx',
  ID_LINE_LIMIT: 'holder_id_bidx',
} as const;

/**
 * Fills temp table `shared` (made anew) with the values of one rule's column held by more than `min` live
 * records (`where` narrows the records counted), among the values the rule looks at: the changed
 * records' own (read from `changed`, whose statistics the planner has, so that a big batch is
 * hashed and a small one looked up by index) and the old ones in `touched`. A hashed count: the
 * distinct counts that follow run over the few values it keeps. Not one list of all values:
 * without statistics for such a union the planner took a million values for 200. And a table, not
 * a CTE, analysed: taking the result for a third of the batch, the planner scanned the archive
 * three more times to look at 30,000 values (12 s against 5 s per rule at a million a night).
 */
async function fillShared(
  trx: Transaction<Database>,
  rule: keyof typeof VALUE_RULE_COLUMNS,
  where: RawBuilder<unknown>,
  min: number,
): Promise<void> {
  const col = sql.ref(`c.${VALUE_RULE_COLUMNS[rule]}`);
  const from = (values: RawBuilder<unknown>) =>
    sql`select ${col} as v from customers c where ${col} in (${values}) and c.destroyed_at is null and ${where}
      group by 1 having count(*) > ${sql.lit(min)}`;
  // A big night hashes the archive against the changed values: with two parallel workers (0.7 s
  // less a rule at a million against two million). `CREATE TABLE AS`, because PostgreSQL plans no
  // `INSERT … SELECT` in parallel, and cheaper tuples between the workers and the leader.
  await sql`drop table if exists shared`.execute(trx);
  await withCheapParallelRows(trx, () =>
    sql`create temp table shared on commit drop as
      ${from(sql`select ${sql.ref(VALUE_RULE_COLUMNS[rule])} from changed`)}
      union
      ${from(sql`select v from touched where rule = ${rule}::text`)}`.execute(trx),
  );
  await sql`analyze shared`.execute(trx);
}

interface SharedValueRule {
  rule: 'DUP_PHONE' | 'DUP_BANK_ACCOUNT';
  masked: 'holder_phone_masked' | 'bank_account_masked';
  field: string;
  zh: string;
  en: string;
}

const SHARED_VALUE_RULES: SharedValueRule[] = [
  {
    rule: 'DUP_PHONE',
    masked: 'holder_phone_masked',
    field: 'holder_phone',
    zh: '手机号码',
    en: 'phone number',
  },
  {
    rule: 'DUP_BANK_ACCOUNT',
    masked: 'bank_account_masked',
    field: 'bank_account',
    zh: '银行账号',
    en: 'bank account',
  },
];

function fingerprintSql(
  rule: string,
  field: string,
  subject: ReturnType<typeof sql.ref> | ReturnType<typeof sql.raw>,
) {
  return sql`encode(sha256(convert_to(c.record_id || ${`|${rule}|${field}|`}::text, 'UTF8') || ${subject}), 'hex')`;
}

export async function createWorkTables(trx: Transaction<Database>): Promise<void> {
  await sql`create temp table batch_findings (
      fingerprint text primary key, rule text not null, severity text not null, customer_id integer not null,
      record_id text not null, archive_no text, related_record_ids text[] not null, reason_zh text not null,
      reason_en text not null, masked_values jsonb not null, channel text, branch text, agent_id text,
      subject_bidx bytea) on commit drop`.execute(trx);
  await sql`create temp table touched (rule text not null, v bytea not null) on commit drop`.execute(trx);
}

/** Records new or changed by the batch are in table `changed(customer_id, record_id, …)` of the merge (merge-batch.ts). */
export async function evaluateCrossRecordRules(
  trx: Transaction<Database>,
  opts: {
    batchId: number;
    /**
     * The batch changed a large part of the archive (a tenth or more): rules that can either look
     * at the whole archive or start from the changed records take the whole archive.
     */
    largeBatch: boolean;
    maxLinesPerId: number;
    recheckComplaints: number;
    recheckFrom: string;
    recheckTo: string;
    agentsChanged: boolean;
  },
): Promise<void> {
  await touchValues(trx);
  await evaluateValueRules(trx, opts.maxLinesPerId);
  await agentContact(trx, opts.agentsChanged);
  await agentRecheck(trx, opts);
}

/**
 * The value rules (DUP_PHONE, DUP_BANK_ACCOUNT, ID_CONFLICT, ID_LINE_LIMIT) over the values in
 * `changed` and `touched`: the nightly merge's, and a verified correction's (one record in
 * `changed`, the values it held before in `touched`: flags/settle-correction.ts).
 */
export async function evaluateValueRules(trx: Transaction<Database>, maxLinesPerId: number): Promise<void> {
  for (const r of SHARED_VALUE_RULES) await sharedValue(trx, r);
  await idConflict(trx);
  await lineLimit(trx, maxLinesPerId);
}

/**
 * Groups that grew or shrank: the open flags of `batch_findings`' fingerprints name the records
 * involved now (the merge, and a verified correction that took a record out of a group). Each
 * such change is a step of the flag's history (`group_changed`, with the records before and now,
 * and what changed it): a reviewer reads why the reason now names other records, and nothing of
 * what the flag said is lost (append-only, 001 §4).
 */
export async function renameGroupMembers(
  trx: Transaction<Database>,
  by: { actor: string; detail: Record<string, number> },
): Promise<void> {
  await sql`
    with up as (
      update flags f set related_record_ids = b.related_record_ids, reason_zh = b.reason_zh, reason_en = b.reason_en, updated_at = now()
      from batch_findings b, flags o
      where f.fingerprint = b.fingerprint and o.flag_id = f.flag_id and f.status in ('open', 'assigned')
        and f.related_record_ids is distinct from b.related_record_ids
      returning f.flag_id, o.related_record_ids as before, f.related_record_ids as now
    )
    insert into flag_events (flag_id, actor, action, detail)
    select flag_id, ${by.actor}, 'group_changed',
      ${JSON.stringify(by.detail)}::jsonb || jsonb_build_object('related_before', to_jsonb(before), 'related_now', to_jsonb(now))
    from up`.execute(trx);
}

async function sharedValue(trx: Transaction<Database>, r: SharedValueRule): Promise<void> {
  const column = VALUE_RULE_COLUMNS[r.rule];
  const col = sql.ref(`c.${column}`);
  await fillShared(trx, r.rule, sql`c.holder_id_bidx is not null`, 1);
  await sql`
    with problem as (
      select c.${sql.raw(column)} as v from customers c
      where c.${sql.raw(column)} in (select v from shared)
        and c.destroyed_at is null and c.holder_id_bidx is not null
      group by 1 having count(distinct c.holder_id_bidx) > 1
    ),
    grp as (
      select c.${sql.raw(column)} as v, (array_agg(c.record_id order by c.record_id))[1:${sql.lit(MAX_RELATED + 1)}] as recs,
             count(*) as n_rec, count(distinct c.holder_id_bidx) as n_ids
      from customers c join problem p on c.${sql.raw(column)} = p.v
      where c.destroyed_at is null group by 1
    )
    insert into batch_findings
    select ${fingerprintSql(r.rule, r.field, col)}, ${r.rule}::text, 'warning', c.customer_id, c.record_id, c.archive_no,
      (array_remove(g.recs, c.record_id))[1:${sql.lit(MAX_RELATED)}],
      format(${`${r.zh} %s 同时登记在 %s 个不同证件号码的客户名下（共 %s 条记录），涉及记录：%s%s`}::text, c.${sql.raw(r.masked)}, g.n_ids, g.n_rec,
        array_to_string((array_remove(g.recs, c.record_id))[1:${sql.lit(MAX_RELATED)}], '、'), case when g.n_rec - 1 > ${sql.lit(MAX_RELATED)} then ' 等' else '' end),
      format(${`The same ${r.en} %s is registered for customers with %s different ID numbers (%s records); other records: %s%s`}::text, c.${sql.raw(r.masked)}, g.n_ids, g.n_rec,
        array_to_string((array_remove(g.recs, c.record_id))[1:${sql.lit(MAX_RELATED)}], ', '), case when g.n_rec - 1 > ${sql.lit(MAX_RELATED)} then ' and more' else '' end),
      jsonb_build_object(${r.field}::text, c.${sql.raw(r.masked)}), c.channel, c.branch, c.agent_id, c.${sql.raw(column)}
    from grp g join customers c on c.${sql.raw(column)} = g.v and c.destroyed_at is null
    on conflict (fingerprint) do nothing`.execute(trx);
}

/**
 * The old values the group rules look at again: the subjects of the changed records' open flags, so
 * that a group a record left is looked at again (the new values are read from `changed`). Not those
 * of AGENT_CONTACT_SUBSTITUTION: that flag is about one record's own contact, and other records
 * with the same contact are not evaluated again, so looking their flags up by it closed them.
 * Only updated records have open flags: one the batch inserted has none yet (a flag keeps its record).
 */
async function touchValues(trx: Transaction<Database>): Promise<void> {
  await sql`insert into touched (rule, v)
      select f.rule, f.subject_bidx from changed ch join flags f on f.record_id = ch.record_id
      where not ch.inserted and f.rule in ('DUP_PHONE', 'DUP_BANK_ACCOUNT', 'ID_CONFLICT', 'ID_LINE_LIMIT')
        and f.status in ('open', 'assigned') and f.subject_bidx is not null`.execute(trx);
  await analyzeTouched(trx);
}

/**
 * Temporary tables have no statistics until analysed: the planner would take the values just added
 * to `touched` for none and pick plans that are quadratic at scale.
 */
async function analyzeTouched(trx: Transaction<Database>): Promise<void> {
  await sql`analyze touched`.execute(trx);
}

/** One identity document used with different identities: same ID number, another name or birth date. */
async function idConflict(trx: Transaction<Database>): Promise<void> {
  await fillShared(trx, 'ID_CONFLICT', sql`true`, 1);
  await sql`
    with problem as (
      select c.holder_id_bidx as v from customers c
      where c.holder_id_bidx in (select v from shared) and c.destroyed_at is null
      group by 1
      having count(distinct c.holder_name_bidx) > 1 or count(distinct c.holder_birth_date) > 1
    ),
    grp as (
      select c.holder_id_bidx as v, (array_agg(c.record_id order by c.record_id))[1:${sql.lit(MAX_RELATED + 1)}] as recs, count(*) as n_rec,
             count(distinct c.holder_name_bidx) as n_names, count(distinct c.holder_birth_date) as n_dates
      from customers c join problem p on c.holder_id_bidx = p.v where c.destroyed_at is null group by 1
    )
    insert into batch_findings
    select ${fingerprintSql('ID_CONFLICT', 'holder_id_number', sql.ref('c.holder_id_bidx'))}, 'ID_CONFLICT', 'error',
      c.customer_id, c.record_id, c.archive_no, (array_remove(g.recs, c.record_id))[1:${sql.lit(MAX_RELATED)}],
      format('证件号码 %s 在 %s 条记录中对应 %s 个不同姓名、%s 个不同出生日期，涉及记录：%s', c.holder_id_masked, g.n_rec, g.n_names, g.n_dates,
        array_to_string((array_remove(g.recs, c.record_id))[1:${sql.lit(MAX_RELATED)}], '、')),
      format('ID number %s is used in %s records with %s different names and %s different birth dates; other records: %s', c.holder_id_masked, g.n_rec, g.n_names, g.n_dates,
        array_to_string((array_remove(g.recs, c.record_id))[1:${sql.lit(MAX_RELATED)}], ', ')),
      jsonb_build_object('holder_id_number', c.holder_id_masked, 'holder_name', c.holder_name_masked), c.channel, c.branch, c.agent_id, c.holder_id_bidx
    from grp g join customers c on c.holder_id_bidx = g.v and c.destroyed_at is null
    on conflict (fingerprint) do nothing`.execute(trx);
}

/**
 * Telecom real-name practice: at most `max` distinct mobile numbers on one ID number (rulebook §1).
 * A landline or an IoT card on the same ID is not a mobile line and is not counted.
 */
async function lineLimit(trx: Transaction<Database>, max: number): Promise<void> {
  await fillShared(trx, 'ID_LINE_LIMIT', MOBILE_LINE, max);
  await sql`
    with grp as (
      select c.holder_id_bidx as v, (array_agg(c.record_id order by c.record_id))[1:${sql.lit(MAX_RELATED + 1)}] as recs,
             count(distinct c.service_number_bidx) as n_lines
      from customers c
      where c.holder_id_bidx in (select v from shared)
        and ${MOBILE_LINE} and c.destroyed_at is null
      group by 1 having count(distinct c.service_number_bidx) > ${max}
    )
    insert into batch_findings
    select ${fingerprintSql('ID_LINE_LIMIT', 'service_number', sql.ref('c.holder_id_bidx'))}, 'ID_LINE_LIMIT', 'warning',
      c.customer_id, c.record_id, c.archive_no, (array_remove(g.recs, c.record_id))[1:${sql.lit(MAX_RELATED)}],
      format('证件号码 %s 名下登记了 %s 个手机号码，超过一证 %s 号的上限，涉及记录：%s', c.holder_id_masked, g.n_lines, ${max}::int,
        array_to_string((array_remove(g.recs, c.record_id))[1:${sql.lit(MAX_RELATED)}], '、')),
      format('ID number %s holds %s mobile numbers, more than the limit of %s per ID; other records: %s', c.holder_id_masked, g.n_lines, ${max}::int,
        array_to_string((array_remove(g.recs, c.record_id))[1:${sql.lit(MAX_RELATED)}], ', ')),
      jsonb_build_object('holder_id_number', c.holder_id_masked, 'service_number', c.service_number_masked), c.channel, c.branch, c.agent_id, c.holder_id_bidx
    from grp g join customers c on c.holder_id_bidx = g.v and ${MOBILE_LINE} and c.destroyed_at is null
    on conflict (fingerprint) do nothing`.execute(trx);
}

/** A record of `customers c` with a mobile line (the lines ID_LINE_LIMIT counts; migration 0010). */
const MOBILE_LINE = sql`c.service_number_bidx is not null and c.service_number_kind = 'mobile'`;

/**
 * 002 §3.11: sales staff must not put their own phone or address in place of the customer's.
 * Changed records are compared with every agent; when the agent master data changed in this run,
 * every stored customer is compared with it too (an index join on the blind indexes).
 */
export async function agentContact(trx: Transaction<Database>, agentsChanged: boolean): Promise<void> {
  const scope = agentsChanged
    ? sql`customers c`
    : sql`changed ch join customers c on c.customer_id = ch.customer_id`;
  for (const [col, agentCol, field, zh, en, masked] of [
    ['holder_phone_bidx', 'phone_bidx', 'holder_phone', '联系电话', 'phone', 'holder_phone_masked'],
    ['holder_address_bidx', 'address_bidx', 'holder_address', '联系地址', 'address', 'holder_address_masked'],
  ] as const) {
    await sql`
      insert into batch_findings
      select ${fingerprintSql('AGENT_CONTACT_SUBSTITUTION', field, sql.ref(`c.${col}`))}, 'AGENT_CONTACT_SUBSTITUTION', 'warning',
        c.customer_id, c.record_id, c.archive_no, '{}'::text[],
        format(${`客户${zh} %s 与营销员 %s 登记的${zh}相同（疑似以营销员信息代替客户信息）`}::text, c.${sql.raw(masked)}, a.agent_id),
        format(${`The customer's ${en} %s is the one registered for agent %s (agent's details put in place of the customer's?)`}::text, c.${sql.raw(masked)}, a.agent_id),
        jsonb_build_object(${field}::text, c.${sql.raw(masked)}, 'matched_agent', a.agent_id), c.channel, c.branch, c.agent_id, c.${sql.raw(col)}
      from ${scope} join agents a on a.${sql.raw(agentCol)} = c.${sql.raw(col)}
      where c.destroyed_at is null
      on conflict (fingerprint) do nothing`.execute(trx);
  }
}

/**
 * 002 §3.14: two or more verified mis-selling complaints within a year → every record of that agent
 * is re-checked. A record is put up once per agent: records that already have this flag (open or
 * decided) are left alone, so that a re-check a reviewer closed is not reopened the next night.
 * Every record of an agent is looked at on the night it becomes due; after that, while it stays due
 * (table `recheck_agents`), only its new and changed records: the nightly cost follows the batch,
 * not the number of records such agents ever sold. A large batch looks at every record of every
 * due agent (the same findings; one pass over those records is cheaper than a join with most of
 * the archive).
 */
async function agentRecheck(
  trx: Transaction<Database>,
  opts: {
    batchId: number;
    largeBatch: boolean;
    recheckComplaints: number;
    recheckFrom: string;
    recheckTo: string;
  },
): Promise<void> {
  const due = await sql<{ agent_id: string; n: number }>`
    select agent_id, count(*)::int as n from complaints
    where verified and category = '销售误导' and received_on between ${opts.recheckFrom}::date and ${opts.recheckTo}::date
    group by agent_id having count(*) >= ${opts.recheckComplaints} order by agent_id`.execute(trx);
  const ids = due.rows.map((d) => d.agent_id);
  // An agent no longer due is forgotten: if it becomes due again, all its records are looked at again.
  await sql`delete from recheck_agents where not (agent_id = any(${ids}::text[]))`.execute(trx);
  const known = new Set(
    (await sql<{ agent_id: string }>`select agent_id from recheck_agents`.execute(trx)).rows.map(
      (r) => r.agent_id,
    ),
  );
  const putUp = (records: RawBuilder<unknown>) => sql`
    insert into batch_findings
    select u.fingerprint, 'AGENT_RECHECK', 'warning', u.customer_id, u.record_id, u.archive_no, '{}'::text[],
      format('营销员 %s 一年内有 %s 起经核实的销售误导投诉，其经办的客户资料须重新核查', u.agent_id, u.n),
      format('Agent %s has %s verified mis-selling complaints within a year: every record they sold must be re-checked', u.agent_id, u.n),
      jsonb_build_object('agent_id', u.agent_id), u.channel, u.branch, u.agent_id, null::bytea
    from (select encode(sha256(convert_to(c.record_id || '|AGENT_RECHECK|agent_id|' || c.agent_id, 'UTF8')), 'hex') as fingerprint,
            c.customer_id, c.record_id, c.archive_no, c.channel, c.branch, c.agent_id, d.n
          ${records}) u
    where not exists (select 1 from flags f where f.fingerprint = u.fingerprint)
    on conflict (fingerprint) do nothing`;
  // Every record of each agent newly due (or of every due agent, for a large batch): one agent at a
  // time, so that each is an index scan of its own records whatever the planner makes of the rest.
  for (const d of due.rows) {
    if (!opts.largeBatch && known.has(d.agent_id)) continue;
    await putUp(sql`from customers c cross join (select ${d.n}::int as n) d
      where c.agent_id = ${d.agent_id} and c.destroyed_at is null`).execute(trx);
  }
  // The new and changed records of the agents due since an earlier night.
  const still = due.rows.filter((d) => known.has(d.agent_id));
  if (!opts.largeBatch && still.length > 0) {
    await putUp(sql`from changed ch join customers c on c.customer_id = ch.customer_id
      join unnest(${still.map((d) => d.agent_id)}::text[], ${still.map((d) => d.n)}::int[]) as d(agent_id, n)
        on d.agent_id = c.agent_id
      where c.destroyed_at is null`).execute(trx);
  }
  await sql`insert into recheck_agents (agent_id, since_batch_id)
      select unnest(${ids}::text[]), ${opts.batchId}::int on conflict (agent_id) do nothing`.execute(trx);
}
