import { createHash } from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from './storage/database.js';

/**
 * Custodian's own audit trail (001 §4; 004 §4.4): who did what to which record, when. Rows are
 * append-only (a trigger refuses updates and deletes) and each is chained to the previous one by
 * SHA-256, so a row altered or removed behind the database's back is found by `verifyAuditTrail`.
 * `detail` must never hold clear personal data.
 */
export interface AuditEntry {
  actor: string;
  action: string;
  targetType: string;
  targetId?: string | null;
  detail?: Record<string, unknown>;
  at?: Date;
}

const GENESIS = '0'.repeat(64);
/** Serialises appends: the chain needs the previous hash. */
const CHAIN_LOCK = 7_301_001;

/** JSON with sorted keys: jsonb does not keep key order, and the hash must survive a round trip. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

function chainHash(
  prev: string,
  e: {
    at: Date;
    actor: string;
    action: string;
    target_type: string;
    target_id: string | null;
    detail: unknown;
  },
): string {
  return createHash('sha256')
    .update(prev)
    .update(
      canonicalJson({
        at: e.at.toISOString(),
        actor: e.actor,
        action: e.action,
        target_type: e.target_type,
        target_id: e.target_id,
        detail: e.detail,
      }),
    )
    .digest('hex');
}

async function appendIn(trx: Transaction<Database>, entries: AuditEntry[]): Promise<void> {
  await sql`select pg_advisory_xact_lock(${CHAIN_LOCK})`.execute(trx);
  const last = await trx
    .selectFrom('audit_trail')
    .select('hash')
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  let prev = last?.hash ?? GENESIS;
  for (const e of entries) {
    // Millisecond precision: what a JS Date carries, so the hash is recomputable from the stored row.
    const row = {
      at: new Date(Math.floor((e.at ?? new Date()).getTime())),
      actor: e.actor,
      action: e.action,
      target_type: e.targetType,
      target_id: e.targetId ?? null,
      detail: e.detail ?? {},
    };
    const hash = chainHash(prev, row);
    await trx
      .insertInto('audit_trail')
      .values({ ...row, detail: JSON.stringify(row.detail), prev_hash: prev, hash })
      .execute();
    prev = hash;
  }
}

/**
 * Appends entries to the trail. Pass a transaction to make the trail entry part of the action it
 * records (it then commits or rolls back with it).
 */
export async function appendAuditTrail(
  db: Kysely<Database> | Transaction<Database>,
  ...entries: AuditEntry[]
): Promise<void> {
  if (entries.length === 0) return;
  if (db.isTransaction) {
    await appendIn(db as Transaction<Database>, entries);
  } else {
    await db.transaction().execute((trx) => appendIn(trx, entries));
  }
}

export interface AuditVerification {
  ok: boolean;
  checked: number;
  /** First row whose hash or link does not match, if any. */
  brokenAt?: number;
  reason?: string;
}

/** Recomputes the chain from the first row; reports the first row that was altered, inserted or removed. */
export async function verifyAuditTrail(db: Kysely<Database>): Promise<AuditVerification> {
  let prev = GENESIS;
  let checked = 0;
  let afterSeq = 0;
  for (;;) {
    const rows = await db
      .selectFrom('audit_trail')
      .selectAll()
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(5000)
      .execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      if (r.prev_hash !== prev) {
        return {
          ok: false,
          checked,
          brokenAt: r.seq,
          reason: 'link to the previous entry broken (a row was removed or inserted)',
        };
      }
      const expected = chainHash(prev, { ...r, at: new Date(r.at) });
      if (expected !== r.hash)
        return {
          ok: false,
          checked,
          brokenAt: r.seq,
          reason: 'content does not match its hash (row altered)',
        };
      prev = r.hash;
      checked++;
    }
    afterSeq = rows[rows.length - 1]!.seq;
  }
  return { ok: true, checked };
}
