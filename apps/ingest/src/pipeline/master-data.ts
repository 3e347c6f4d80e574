import { basename } from 'node:path';
import {
  type AgentTable,
  blindIndex,
  type CustodianContext,
  CustodianError,
  encryptJson,
  maskName,
  normalizeText,
} from '@custodian/core';
import { parseConsent, parseDate, validatePhone } from '@custodian/validators';
import type { Insertable } from 'kysely';
import {
  AGENT_FIELDS,
  COMPLAINT_FIELDS,
  type HeaderMapping,
  type HeaderSource,
  headerLineCause,
  mapHeaders,
  takeFirstNonEmpty,
} from '../input/header-map.js';
import { type OpenedTable, openTable } from '../input/table-reader.js';
import { describeSheetChoice } from '../input/xlsx-sheet.js';
import type { QuarantinedRow } from './ingest-file.js';

/**
 * Agent master data and complaints (formats.md), loaded before the customer files of a run so that
 * AGENT_CONTACT_SUBSTITUTION (002 §3.11) and AGENT_RECHECK (002 §3.14) see them. Both upsert by
 * their id; a bad row is reported with its line and skipped, the rest goes on.
 */
export interface MasterDataResult {
  file: string;
  kind: 'agents' | 'complaints';
  /** failed: the file was not read (unreadable, or not of its kind); `message` says why, naming it. */
  status: 'done' | 'failed';
  message?: string;
  /** For the operator: the sheet of a workbook read when it was not the first (names only). */
  warnings?: string[];
  rowsRead: number;
  loaded: number;
  rejected: QuarantinedRow[];
}

/**
 * A rejected row of a master-data file, for the operator: file, line, column and reason (the
 * reason never quotes a value of the row).
 */
export function describeRejected(file: string, r: QuarantinedRow): string {
  return `rejected: ${basename(file)} line ${r.line}${r.column ? `, column ${r.column}` : ''}: ${r.reason}`;
}

function rowObject(mapping: HeaderMapping, values: string[]): Record<string, string> {
  const o: Record<string, string> = {};
  // Two columns mapped to one field: the first non-empty wins, as for customer files.
  const cells = takeFirstNonEmpty(mapping.duplicateGroups, values);
  mapping.fields.forEach((f, i) => {
    if (f) o[f] = (cells[i] ?? '').normalize('NFKC').trim();
  });
  return o;
}

const REQUIRED: Record<MasterDataResult['kind'], readonly string[]> = {
  agents: AGENT_FIELDS,
  complaints: COMPLAINT_FIELDS,
};

/** Customer-record fields that only a customer file carries. */
const CUSTOMER_IDENTITY =
  /^(record_id|archive_no|holder_.*|insured_.*|bank_account.*|service_number|contract_no)$/;

/** The column that identifies a row of each kind (the load upserts by it). */
const KEY: Record<MasterDataResult['kind'], string> = { agents: 'agent_id', complaints: 'complaint_id' };

/** The headers that identify a customer or a contract and are not of `kind` (a customer file's). */
function customerColumns(
  kind: MasterDataResult['kind'],
  headers: string[],
  aliases: Record<string, string[]>,
): string[] {
  const mapping = mapHeaders(kind, headers, aliases);
  const customerFields = mapHeaders('customers', headers, aliases).fields;
  return headers.filter((_, i) => {
    const f = customerFields[i];
    return mapping.fields[i] === null && f != null && CUSTOMER_IDENTITY.test(f);
  });
}

/**
 * Why a header line is not one of master data of `kind`, or undefined when it is. Every column
 * of formats.md is required, because the load upserts every column: a file without `status`
 * would set every agent's status to null, and a customer file given as `--agents` (its
 * agent_id, channel and branch match) would wipe the agents' names and contacts. A column that
 * identifies a customer or a contract (record_id, holder_id_number…) and is not one of `kind`
 * means the wrong file, and is refused too; columns both formats share (channel, branch) and
 * unknown ones are not. Names only headers, never values.
 */
export function masterDataHeaderProblem(
  kind: MasterDataResult['kind'],
  headers: string[],
  aliases: Record<string, string[]>,
  source: HeaderSource = {},
): string | undefined {
  const mapping: HeaderMapping = mapHeaders(kind, headers, aliases);
  const missing = REQUIRED[kind].filter((f) => !mapping.fields.includes(f));
  const foreign = customerColumns(kind, headers, aliases);
  if (missing.length === 0 && foreign.length === 0) return undefined;
  // A header line that is not one (a data row, undecodable bytes, an unsplit separator) says so
  // first, as a customer file's does (header-map.ts): the missing columns are its consequence.
  const cause = missing.length > 0 ? headerLineCause(kind, mapping, aliases, source) : undefined;
  const problems = [
    ...(cause ? [cause] : []),
    ...(missing.length > 0 ? [`missing column(s) ${missing.join(', ')}`] : []),
    ...(foreign.length > 0
      ? [
          `customer-record column(s) ${foreign.slice(0, 4).join(', ')}${foreign.length > 4 ? ` and ${foreign.length - 4} more` : ''}`,
        ]
      : []),
  ];
  return `not ${kind === 'agents' ? 'an agents' : 'a complaints'} file (formats.md: ${REQUIRED[kind].join(', ')}): ${problems.join('; ')}; nothing loaded`;
}

/** What a header line must have to be read as master data of `kind` (said in words below). */
const ACCEPTED = (kind: MasterDataResult['kind']) =>
  `a column recognised as ${KEY[kind]} and none of a customer record`;

/**
 * `file` opened for master data of `kind`. A workbook is read, as a customer workbook is
 * (xlsx-sheet.ts), from its first sheet whose header line has the kind's key column (agent_id,
 * complaint_id) and no customer-record column, so that a cover sheet (说明) or a customer sheet
 * before it is passed over; `warning` says so when it was not the first sheet. When no sheet is
 * such, `noSheet` names the sheets looked at (the first that is not empty was read: its header
 * line, of no sheet of this kind, would say nothing).
 */
async function openMasterData(
  ctx: CustodianContext,
  kind: MasterDataResult['kind'],
  file: string,
): Promise<{ table: OpenedTable; warning?: string; noSheet?: string }> {
  const aliases = ctx.config.ingest.headerAliases;
  const table = await openTable(file, {
    acceptsHeader: (headers) =>
      mapHeaders(kind, headers, aliases).fields.includes(KEY[kind]) &&
      customerColumns(kind, headers, aliases).length === 0,
  });
  const choice = table.info.sheetChoice;
  if (choice && !choice.accepted && choice.lookedAt.length > 1) {
    const looked = choice.lookedAt.map((n) => `"${n}"`).join(', ');
    return { table, noSheet: `no sheet has a header line with ${ACCEPTED(kind)} (looked at ${looked})` };
  }
  const warning = describeSheetChoice(choice, table.info.sheet, ACCEPTED(kind));
  return { table, ...(warning ? { warning } : {}) };
}

/** masterDataHeaderProblem for `file`'s header line, or that no sheet is of `kind`; naming the file. */
function fileHeaderProblem(
  ctx: CustodianContext,
  kind: MasterDataResult['kind'],
  file: string,
  opened: { table: OpenedTable; noSheet?: string },
): string | undefined {
  const problem = opened.noSheet
    ? `not ${kind === 'agents' ? 'an agents' : 'a complaints'} workbook: ${opened.noSheet}; nothing loaded`
    : masterDataHeaderProblem(kind, opened.table.info.headers, ctx.config.ingest.headerAliases, {
        line: opened.table.info.headerLine,
        encoding: opened.table.info.encoding,
      });
  return problem ? `${basename(file)}: ${problem}` : undefined;
}

/** Throws, naming the file, when `file` is not master data of `kind` (see masterDataHeaderProblem). */
function checkHeaders(
  ctx: CustodianContext,
  kind: MasterDataResult['kind'],
  file: string,
  opened: { table: OpenedTable; noSheet?: string },
) {
  const problem = fileHeaderProblem(ctx, kind, file, opened);
  if (problem) throw new CustodianError('INPUT', problem);
}

/**
 * Looks only at the header line of `file` (of the sheet the load would read) and says why it is
 * not master data of `kind` (undefined when it is): for the command line, to refuse a wrong
 * `--agents` file before anything is loaded.
 */
export async function checkMasterDataFile(
  ctx: CustodianContext,
  kind: MasterDataResult['kind'],
  file: string,
): Promise<string | undefined> {
  return fileHeaderProblem(ctx, kind, file, await openMasterData(ctx, kind, file));
}

export async function loadAgents(ctx: CustodianContext, file: string): Promise<MasterDataResult> {
  const opened = await openMasterData(ctx, 'agents', file);
  checkHeaders(ctx, 'agents', file, opened);
  const { table, warning } = opened;
  const mapping = mapHeaders('agents', table.info.headers, ctx.config.ingest.headerAliases);
  const res: MasterDataResult = {
    file,
    kind: 'agents',
    status: 'done',
    ...(warning ? { warnings: [warning] } : {}),
    rowsRead: 0,
    loaded: 0,
    rejected: [],
  };
  // One transaction: a file that breaks part-way (an unreadable row block, a lost connection)
  // leaves the agents as they were, not half replaced.
  await ctx.storage.db.transaction().execute(async (trx) => {
    let batch: Insertable<AgentTable>[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      await trx
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
      const a = rowObject(mapping, row.values);
      if (!a.agent_id) {
        res.rejected.push({ line: row.line, column: 'agent_id', reason: 'agent_id is empty' });
        continue;
      }
      const hiredOn = parseDate(a.hired_on);
      if (a.hired_on && hiredOn === undefined) {
        // It used to be stored as null without a word, wiping the date an agent already had.
        // Rejected like complaints' unreadable received_on and verified: the agent stays as it was.
        res.rejected.push({
          line: row.line,
          column: 'hired_on',
          reason: 'hired_on is not a date (YYYY-MM-DD, YYYY/MM/DD, YYYYMMDD or an Excel date)',
        });
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
        hired_on: hiredOn ?? null,
      });
      res.loaded++;
      if (batch.length >= 1000) await flush();
    }
    await flush();
  });
  return res;
}

export async function loadComplaints(ctx: CustodianContext, file: string): Promise<MasterDataResult> {
  const opened = await openMasterData(ctx, 'complaints', file);
  checkHeaders(ctx, 'complaints', file, opened);
  const { table, warning } = opened;
  const mapping = mapHeaders('complaints', table.info.headers, ctx.config.ingest.headerAliases);
  const res: MasterDataResult = {
    file,
    kind: 'complaints',
    status: 'done',
    ...(warning ? { warnings: [warning] } : {}),
    rowsRead: 0,
    loaded: 0,
    rejected: [],
  };
  await ctx.storage.db.transaction().execute(async (trx) => {
    for await (const row of table.rows) {
      res.rowsRead++;
      if (row.kind === 'bad') {
        res.rejected.push({ line: row.line, column: row.column, reason: row.reason });
        continue;
      }
      const c = rowObject(mapping, row.values);
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
      const verified = parseConsent(c.verified);
      if (c.verified && verified === undefined) {
        // 'maybe' used to count as not verified without a word: the re-check rule counts verified ones.
        res.rejected.push({
          line: row.line,
          column: 'verified',
          reason: 'verified is neither yes nor no (是/否, y/n, 1/0)',
        });
        continue;
      }
      const values = {
        complaint_id: c.complaint_id,
        agent_id: c.agent_id,
        received_on: receivedOn,
        category: c.category ?? '',
        verified: verified === true,
      };
      await trx
        .insertInto('complaints')
        .values(values)
        .onConflict((oc) => oc.column('complaint_id').doUpdateSet(values))
        .execute();
      res.loaded++;
    }
  });
  return res;
}
