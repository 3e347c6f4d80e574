import { sql, type Transaction } from 'kysely';
import { appendAuditTrail } from '../audit-trail.js';
import {
  agentContact,
  CROSS_RECORD_RULES,
  createWorkTables,
  evaluateValueRules,
  renameGroupMembers,
  VALUE_RULE_COLUMNS,
} from '../batches/cross-record-rules.js';
import { createChangedTable, moveFlagsWithRecords } from '../batches/merge-batch.js';
import type { StoredFinding } from '../customers/record-codec.js';
import type { Database, Flag } from '../storage/database.js';

/** What `settleFlagsAfterCorrection` needs to know of a correction just written to its record. */
export interface WrittenCorrection {
  /** The flag whose correction was verified (it is closed by `verifyFlag` itself, as `corrected`). */
  flag: Pick<Flag, 'flag_id' | 'customer_id' | 'record_id'>;
  /** The verifier: the actor of the flags the correction settles. */
  actor: string;
  /** The value-rule columns of the record before the correction (the groups it may have left). */
  before: Record<(typeof VALUE_RULE_COLUMNS)[keyof typeof VALUE_RULE_COLUMNS], Uint8Array | null>;
  /** The single-record findings of the record as corrected (re-encoded as the ingest would). */
  findings: readonly Pick<StoredFinding, 'fingerprint' | 'rule' | 'field' | 'maskedField'>[];
  maxLinesPerId: number;
}

/** A flag closed because a verified correction settled it. */
export interface SettledFlag {
  flag_id: number;
  record_id: string;
  rule: string;
}

/**
 * A verified correction closes the other flags it settles, as the nightly merge does when a later
 * file corrects a record (merge-batch.ts), in the verification's transaction, after the record was
 * written: outcome `auto_corrected`, an `auto_closed` event naming the verified flag, the verifier
 * as actor. Looked at:
 *
 * - the record's own open and assigned flags: one of a single-record rule closes when the corrected
 *   record no longer has its finding (neither its fingerprint nor the same rule on the same field:
 *   a fingerprint includes the value and the party's ID number, so a problem that remains under
 *   new values keeps its flag); one of a cross-record rule closes when the rule, run again, no
 *   longer finds it;
 * - the open and assigned flags of the value rules on the values the record held before (its phone,
 *   bank account and ID number groups): the merge's own rules (`evaluateValueRules`) run over that
 *   one record and those old values, and a flag whose fingerprint they no longer find is closed.
 *   The new values' groups can only have grown, so nothing there is settled.
 *
 * Flags resolved and awaiting their own verification are left alone (their held correction no
 * longer applies to the changed record: verification refuses it, to be sent back). AGENT_RECHECK is
 * never closed this way (only its own review closes it, as in the merge). Flags are only closed
 * here, never raised: `apply-correction` refuses a correction that would raise a cross-record one.
 * The groups still a problem have their open flags name the records involved now, and the record's
 * flags still under review take its channel and branch as corrected (`moveFlagsWithRecords`).
 */
export async function settleFlagsAfterCorrection(
  trx: Transaction<Database>,
  c: WrittenCorrection,
): Promise<SettledFlag[]> {
  await createWorkTables(trx);
  await createChangedTable(trx, 'temp');
  await sql`insert into changed
    select customer_id, record_id, false, holder_phone_bidx, bank_account_bidx, holder_id_bidx, 0
    from customers where customer_id = ${c.flag.customer_id}`.execute(trx);
  for (const [rule, col] of Object.entries(VALUE_RULE_COLUMNS)) {
    const v = c.before[col];
    if (v) await sql`insert into touched (rule, v) values (${rule}, ${v})`.execute(trx);
  }
  await sql`analyze changed`.execute(trx);
  await sql`analyze touched`.execute(trx);
  await evaluateValueRules(trx, c.maxLinesPerId);
  await agentContact(trx, false);

  const fingerprints = c.findings.map((f) => f.fingerprint);
  // Flags of single-record rules carry one key in masked_values: the finding's masked field.
  const ruleFields = c.findings.map((f) => `${f.rule}|${f.maskedField ?? f.field ?? 'value'}`);
  const settled = await sql<SettledFlag>`
    with candidates as (
      select f.flag_id from flags f where f.record_id = ${c.flag.record_id} and f.status in ('open', 'assigned')
      union
      select f.flag_id from touched t
      join flags f on f.rule = t.rule and f.subject_bidx = t.v and f.status in ('open', 'assigned')
    ), up as (
      update flags f set status = 'closed', outcome = 'auto_corrected', closed_at = now(), updated_at = now()
      from candidates c
      where f.flag_id = c.flag_id and f.flag_id <> ${c.flag.flag_id} and f.rule <> 'AGENT_RECHECK'
        and not exists (select 1 from batch_findings b where b.fingerprint = f.fingerprint)
        and not (f.fingerprint = any(${fingerprints}::text[]))
        and (f.rule = any(${[...CROSS_RECORD_RULES]}::text[])
          or not exists (select 1 from jsonb_object_keys(coalesce(f.masked_values, '{}'::jsonb)) k
                         where f.rule || '|' || k = any(${ruleFields}::text[])))
      returning f.flag_id, f.record_id, f.rule
    ), ev as (
      insert into flag_events (flag_id, actor, action, detail)
      select flag_id, ${c.actor}, 'auto_closed',
        jsonb_build_object('settled_by_flag', ${c.flag.flag_id}::int,
          'reason', ${`the verified correction of flag ${c.flag.flag_id} corrected record ${c.flag.record_id}`}::text)
      from up
    )
    select flag_id, record_id, rule from up order by flag_id`.execute(trx);
  await renameGroupMembers(trx, { actor: c.actor, detail: { settled_by_flag: c.flag.flag_id } });
  // A correction of the record's channel or branch (a record filed under the wrong one) moves its
  // flags still under review, as a later file moving the record does; the verified flag itself is
  // closed under the channel it was reviewed under.
  await moveFlagsWithRecords(trx, {
    actor: c.actor,
    detail: { corrected_by_flag: c.flag.flag_id },
    except: c.flag.flag_id,
  });
  for (const f of settled.rows) {
    await appendAuditTrail(trx, {
      actor: c.actor,
      action: 'flag.auto_closed',
      targetType: 'flag',
      targetId: String(f.flag_id),
      detail: { record_id: f.record_id, rule: f.rule, settled_by_flag: c.flag.flag_id },
    });
  }
  // The work tables go with the transaction (on commit drop); dropped now, so that nothing after
  // this in the same transaction meets them.
  await sql`drop table changed, touched, batch_findings`.execute(trx);
  await sql`drop table if exists shared`.execute(trx);
  return settled.rows;
}
