import type { Database } from '@custodian/core';
import { type Kysely, sql } from 'kysely';
import type { ApprovalEntry, StaffEntry } from '../input/master-data.js';

/** The staff directory and approval ledger in the database: each run's files replace the rows they name. */
export async function saveStaff(db: Kysely<Database>, staff: StaffEntry[]): Promise<number> {
  for (let i = 0; i < staff.length; i += 1000) {
    await db
      .insertInto('staff')
      .values(staff.slice(i, i + 1000).map((s) => ({ ...s })))
      .onConflict((oc) =>
        oc.column('operator_id').doUpdateSet((eb) => ({
          name_masked: eb.ref('excluded.name_masked'),
          department: eb.ref('excluded.department'),
          branch: eb.ref('excluded.branch'),
          role: eb.ref('excluded.role'),
          clearance: eb.ref('excluded.clearance'),
          status: eb.ref('excluded.status'),
          status_since: eb.ref('excluded.status_since'),
          updated_at: sql`now()`,
        })),
      )
      .execute();
  }
  return staff.length;
}

export async function loadStaff(db: Kysely<Database>): Promise<StaffEntry[]> {
  const rows = await db.selectFrom('staff').selectAll().execute();
  return rows.map((r) => ({
    operator_id: r.operator_id,
    name_masked: r.name_masked,
    department: r.department,
    branch: r.branch,
    role: r.role,
    clearance: r.clearance,
    status: r.status as StaffEntry['status'],
    status_since: r.status_since,
  }));
}

/** Upserts approvals; `used_records` (quota consumed by earlier runs) is kept. */
export async function saveApprovals(db: Kysely<Database>, approvals: ApprovalEntry[]): Promise<number> {
  for (let i = 0; i < approvals.length; i += 1000) {
    await db
      .insertInto('approvals')
      .values(approvals.slice(i, i + 1000).map((a) => ({ ...a })))
      .onConflict((oc) =>
        oc.column('approval_id').doUpdateSet((eb) => ({
          operator_id: eb.ref('excluded.operator_id'),
          kind: eb.ref('excluded.kind'),
          scope: eb.ref('excluded.scope'),
          purpose: eb.ref('excluded.purpose'),
          approved_by: eb.ref('excluded.approved_by'),
          valid_from: eb.ref('excluded.valid_from'),
          valid_to: eb.ref('excluded.valid_to'),
          max_records: eb.ref('excluded.max_records'),
          updated_at: sql`now()`,
        })),
      )
      .execute();
  }
  return approvals.length;
}

export async function loadApprovals(
  db: Kysely<Database>,
): Promise<(ApprovalEntry & { used_records: number })[]> {
  const rows = await db.selectFrom('approvals').selectAll().execute();
  return rows.map((r) => ({
    approval_id: r.approval_id,
    operator_id: r.operator_id,
    kind: r.kind,
    scope: r.scope,
    purpose: r.purpose,
    approved_by: r.approved_by,
    valid_from: r.valid_from,
    valid_to: r.valid_to,
    max_records: r.max_records,
    used_records: r.used_records,
  }));
}

export async function addApprovalUsage(
  db: Kysely<Database>,
  usage: { approvalId: string; used: number }[],
): Promise<void> {
  for (const u of usage) {
    await db
      .updateTable('approvals')
      .set((eb) => ({ used_records: eb('used_records', '+', u.used) }))
      .where('approval_id', '=', u.approvalId)
      .execute();
  }
}
