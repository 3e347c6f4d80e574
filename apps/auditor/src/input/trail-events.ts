import type { Database } from '@custodian/core';
import type { Kysely } from 'kysely';
import type { RawEvent } from './log-reader.js';

/**
 * Custodian's own audit trail as access events: who saw unmasked data. A trail row whose action
 * matches one of `trailActions` (e.g. `reveal`) counts as that access action by its actor, on the
 * record it names (detail.archive_no, or the customer named by target_id), so that revealing a
 * classified record without clearance or approval is caught like any other access.
 */
export async function loadTrailEvents(
  db: Kysely<Database>,
  afterSeq: number,
  trailActions: Record<string, string>,
): Promise<{ events: RawEvent[]; lastSeq: number }> {
  const patterns = Object.entries(trailActions).map(([re, action]) => ({ re: new RegExp(re), action }));
  let lastSeq = afterSeq;
  const events: RawEvent[] = [];
  const needCustomer: { ev: RawEvent; target: string }[] = [];
  for (;;) {
    const rows = await db
      .selectFrom('audit_trail')
      .select(['seq', 'at', 'actor', 'action', 'target_type', 'target_id', 'detail'])
      .where('seq', '>', lastSeq)
      .orderBy('seq')
      .limit(5000)
      .execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      lastSeq = r.seq;
      const hit = patterns.find((p) => p.re.test(r.action));
      if (!hit) continue;
      const detail = (r.detail ?? {}) as Record<string, unknown>;
      const ev: RawEvent = {
        ts: new Date(r.at).toISOString(),
        operator_id: r.actor,
        action: hit.action,
        record_count: 1,
        result: 'ok',
        ...(typeof detail['client_ip'] === 'string' ? { client_ip: detail['client_ip'] } : {}),
        ...(typeof detail['approval_id'] === 'string' ? { approval_id: detail['approval_id'] } : {}),
      };
      if (typeof detail['archive_no'] === 'string') ev.archive_no = detail['archive_no'];
      else if (r.target_id && (r.target_type === 'customer' || r.target_type === 'record'))
        needCustomer.push({ ev, target: r.target_id });
      events.push(ev);
    }
  }
  // Resolve customer ids / record ids to archive numbers in one query per thousand.
  for (let i = 0; i < needCustomer.length; i += 1000) {
    const chunk = needCustomer.slice(i, i + 1000);
    const ids = chunk.map((c) => Number(c.target)).filter((n) => Number.isInteger(n));
    const recs = chunk.map((c) => c.target);
    const rows = await db
      .selectFrom('customers')
      .select(['customer_id', 'record_id', 'archive_no'])
      .where((eb) =>
        eb.or([eb('record_id', 'in', recs), ...(ids.length ? [eb('customer_id', 'in', ids)] : [])]),
      )
      .execute();
    for (const c of chunk) {
      const hit = rows.find((r) => r.record_id === c.target || String(r.customer_id) === c.target);
      if (hit?.archive_no) c.ev.archive_no = hit.archive_no;
    }
  }
  return { events, lastSeq };
}
