import { basename } from 'node:path';
import {
  type AgentTable,
  blindIndex,
  type CustodianContext,
  encryptJson,
  maskName,
  normalizeText,
} from '@custodian/core';
import { parseConsent, parseDate, validatePhone } from '@custodian/validators';
import type { Insertable } from 'kysely';
import { mapHeaders } from '../input/header-map.js';
import { openTable } from '../input/table-reader.js';
import type { QuarantinedRow } from './ingest-file.js';

/**
 * Agent master data and complaints (formats.md), loaded before the customer files of a run so that
 * AGENT_CONTACT_SUBSTITUTION (002 §3.11) and AGENT_RECHECK (002 §3.14) see them. Both upsert by
 * their id; a bad row is reported with its line and skipped, the rest goes on.
 */
export interface MasterDataResult {
  file: string;
  kind: 'agents' | 'complaints';
  rowsRead: number;
  loaded: number;
  rejected: QuarantinedRow[];
}

function rowObject(fields: (string | null)[], values: string[]): Record<string, string> {
  const o: Record<string, string> = {};
  fields.forEach((f, i) => {
    if (f) o[f] = (values[i] ?? '').normalize('NFKC').trim();
  });
  return o;
}

export async function loadAgents(ctx: CustodianContext, file: string): Promise<MasterDataResult> {
  const table = await openTable(file);
  const mapping = mapHeaders('agents', table.info.headers, ctx.config.ingest.headerAliases);
  const res: MasterDataResult = { file, kind: 'agents', rowsRead: 0, loaded: 0, rejected: [] };
  if (!mapping.fields.includes('agent_id')) {
    throw new Error(`${basename(file)}: no agent_id column (工号) in the header line`);
  }
  let batch: Insertable<AgentTable>[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await ctx.storage.db
      .insertInto('agents')
      .values(batch)
      .onConflict((oc) =>
        oc.column('agent_id').doUpdateSet((eb) => ({
          name_masked: eb.ref('excluded.name_masked'),
          pii: eb.ref('excluded.pii'),
          phone_bidx: eb.ref('excluded.phone_bidx'),
          address_bidx: eb.ref('excluded.address_bidx'),
          channel: eb.ref('excluded.channel'),
          branch: eb.ref('excluded.branch'),
          status: eb.ref('excluded.status'),
          hired_on: eb.ref('excluded.hired_on'),
        })),
      )
      .execute();
    batch = [];
  };
  const seen = new Set<string>();
  for await (const row of table.rows) {
    res.rowsRead++;
    if (row.kind === 'bad') {
      res.rejected.push({ line: row.line, column: row.column, reason: row.reason });
      continue;
    }
    const a = rowObject(mapping.fields, row.values);
    if (!a.agent_id) {
      res.rejected.push({ line: row.line, column: 'agent_id', reason: 'agent_id is empty' });
      continue;
    }
    if (seen.has(a.agent_id)) await flush();
    seen.add(a.agent_id);
    const phone = a.phone ? (validatePhone(a.phone).normalized ?? a.phone) : null;
    batch.push({
      agent_id: a.agent_id,
      name_masked: a.name ? maskName(a.name) : null,
      pii: encryptJson(ctx.keyring, { name: a.name, phone: a.phone, address: a.address }),
      phone_bidx: blindIndex(ctx.keyring, 'phone', phone),
      address_bidx: blindIndex(ctx.keyring, 'address', a.address ? normalizeText(a.address) : null),
      channel: a.channel || null,
      branch: a.branch || null,
      status: a.status || null,
      hired_on: parseDate(a.hired_on) ?? null,
    });
    res.loaded++;
    if (batch.length >= 1000) await flush();
  }
  await flush();
  return res;
}

export async function loadComplaints(ctx: CustodianContext, file: string): Promise<MasterDataResult> {
  const table = await openTable(file);
  const mapping = mapHeaders('complaints', table.info.headers, ctx.config.ingest.headerAliases);
  const res: MasterDataResult = { file, kind: 'complaints', rowsRead: 0, loaded: 0, rejected: [] };
  for (const required of ['complaint_id', 'agent_id', 'received_on'] as const) {
    if (!mapping.fields.includes(required))
      throw new Error(`${basename(file)}: no ${required} column in the header line`);
  }
  for await (const row of table.rows) {
    res.rowsRead++;
    if (row.kind === 'bad') {
      res.rejected.push({ line: row.line, column: row.column, reason: row.reason });
      continue;
    }
    const c = rowObject(mapping.fields, row.values);
    const receivedOn = parseDate(c.received_on);
    if (!c.complaint_id || !c.agent_id || !receivedOn) {
      res.rejected.push({
        line: row.line,
        column: !c.complaint_id ? 'complaint_id' : !c.agent_id ? 'agent_id' : 'received_on',
        reason:
          !receivedOn && c.complaint_id && c.agent_id
            ? `received_on "${c.received_on ?? ''}" is not a date`
            : 'required value is empty',
      });
      continue;
    }
    const values = {
      complaint_id: c.complaint_id,
      agent_id: c.agent_id,
      received_on: receivedOn,
      category: c.category ?? '',
      verified: parseConsent(c.verified) === true,
    };
    await ctx.storage.db
      .insertInto('complaints')
      .values(values)
      .onConflict((oc) => oc.column('complaint_id').doUpdateSet(values))
      .execute();
    res.loaded++;
  }
  return res;
}
