import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import type { Database } from '@custodian/core';
import { type Kysely, sql } from 'kysely';
import type { Loan } from '../detect/loans.js';
import { RecordDirectory } from '../detect/record-directory.js';
import { secrecyRank } from '../input/master-data.js';

/**
 * What the auditor carries from one run to the next: per-operator daily counts (baselines), open
 * loans, audited input files, the audit-trail cursor; and the record directory read from the
 * customer archive.
 */

/** Daily counts of the `historyDays` + a month before the latest stored day (the own baselines). */
export async function loadHistory(
  db: Kysely<Database>,
  historyDays: number,
): Promise<Map<string, { day: string; records: number }[]>> {
  const rows = await db
    .selectFrom('operator_daily')
    .select(['operator_id', 'day', 'records'])
    .where(sql<boolean>`day >= (select max(day) from operator_daily) - ${historyDays + 31}::int`)
    .execute();
  const map = new Map<string, { day: string; records: number }[]>();
  for (const r of rows) {
    let list = map.get(r.operator_id);
    if (!list) {
      list = [];
      map.set(r.operator_id, list);
    }
    list.push({ day: r.day, records: r.records });
  }
  return map;
}

/** Adds a run's daily counts (additive: a day's logs may arrive in several files). */
export async function saveDaily(
  db: Kysely<Database>,
  daily: { operatorId: string; day: string; events: number; records: number }[],
): Promise<void> {
  for (let i = 0; i < daily.length; i += 2000) {
    await db
      .insertInto('operator_daily')
      .values(
        daily
          .slice(i, i + 2000)
          .map((d) => ({ operator_id: d.operatorId, day: d.day, events: d.events, records: d.records })),
      )
      .onConflict((oc) =>
        oc.columns(['operator_id', 'day']).doUpdateSet((eb) => ({
          events: eb('operator_daily.events', '+', eb.ref('excluded.events')),
          records: eb('operator_daily.records', '+', eb.ref('excluded.records')),
        })),
      )
      .execute();
  }
}

export async function loadOpenLoans(db: Kysely<Database>): Promise<Loan[]> {
  const rows = await db.selectFrom('open_loans').selectAll().execute();
  return rows.map((r) => ({
    loanId: r.loan_id,
    operatorId: r.operator_id,
    archive: r.archive_no,
    borrowedAt: new Date(r.borrowed_at).getTime(),
    approvalId: r.approval_id,
    overdueRaised: r.overdue_raised,
    evidence: null,
  }));
}

export async function saveLoans(db: Kysely<Database>, open: Loan[], closedStored: number[]): Promise<void> {
  if (closedStored.length > 0)
    await db.deleteFrom('open_loans').where('loan_id', 'in', closedStored).execute();
  for (const l of open) {
    if (l.loanId !== undefined) {
      await db
        .updateTable('open_loans')
        .set({ overdue_raised: l.overdueRaised })
        .where('loan_id', '=', l.loanId)
        .execute();
    } else {
      await db
        .insertInto('open_loans')
        .values({
          operator_id: l.operatorId,
          archive_no: l.archive,
          borrowed_at: new Date(l.borrowedAt),
          approval_id: l.approvalId,
          overdue_raised: l.overdueRaised,
        })
        .onConflict((oc) => oc.columns(['operator_id', 'archive_no', 'borrowed_at']).doNothing())
        .execute();
    }
  }
}

/**
 * Fingerprint of a log file: size and SHA-256 of its first and last MiB. Cheap at any size, and a
 * log that was appended to (or rotated anew) gets a new one; the same file copied elsewhere does not.
 */
export async function fingerprintFile(file: string): Promise<string> {
  const { size } = await stat(file);
  const fh = await open(file, 'r');
  try {
    const h = createHash('sha256').update(String(size));
    const chunk = Buffer.alloc(Math.min(size, 1 << 20));
    await fh.read(chunk, 0, chunk.length, 0);
    h.update(chunk);
    if (size > chunk.length) {
      await fh.read(chunk, 0, chunk.length, size - chunk.length);
      h.update(chunk);
    }
    return h.digest('hex');
  } finally {
    await fh.close();
  }
}

export async function auditedFingerprints(
  db: Kysely<Database>,
  fingerprints: string[],
): Promise<Set<string>> {
  if (fingerprints.length === 0) return new Set();
  const rows = await db
    .selectFrom('audited_inputs')
    .select('fingerprint')
    .where('fingerprint', 'in', fingerprints)
    .execute();
  return new Set(rows.map((r) => r.fingerprint));
}

export async function markAudited(
  db: Kysely<Database>,
  inputs: { fingerprint: string; file: string; events: number }[],
): Promise<void> {
  for (const i of inputs) {
    await db
      .insertInto('audited_inputs')
      .values({ fingerprint: i.fingerprint, file_name: i.file, events: i.events })
      .onConflict((oc) => oc.column('fingerprint').doUpdateSet({ events: i.events, audited_at: sql`now()` }))
      .execute();
  }
}

export async function getState(db: Kysely<Database>, key: string): Promise<string | undefined> {
  const row = await db.selectFrom('auditor_state').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value;
}

export async function setState(db: Kysely<Database>, key: string, value: string): Promise<void> {
  await db
    .insertInto('auditor_state')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: sql`now()` }))
    .execute();
}

/**
 * Loads the archive's own records into a directory: classified records always (clearance and
 * approval rules), every record with its branch only when `withBranches` (transferred staff,
 * branch-scoped approvals). Paged by id, so a large archive streams.
 */
export async function loadRecordDirectory(
  db: Kysely<Database>,
  withBranches: boolean,
  into: RecordDirectory = new RecordDirectory(),
): Promise<RecordDirectory> {
  let after = 0;
  for (;;) {
    let q = db
      .selectFrom('customers')
      .select(['customer_id', 'archive_no', 'branch', 'secrecy_level'])
      .where('customer_id', '>', after)
      .where('archive_no', 'is not', null)
      .where('destroyed_at', 'is', null);
    if (!withBranches) q = q.where('secrecy_level', '<>', '普通');
    const rows = await q.orderBy('customer_id').limit(20_000).execute();
    if (rows.length === 0) break;
    for (const r of rows)
      into.add(r.archive_no!, secrecyRank(r.secrecy_level) ?? 0, withBranches ? r.branch : null);
    after = rows[rows.length - 1]!.customer_id;
  }
  return into;
}
