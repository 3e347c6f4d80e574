import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  assignFlag,
  blindIndex,
  type CliOutput,
  type CustodianContext,
  decryptJson,
  getFlagDetail,
  openStorage,
  resolveFlag,
  type Storage,
  sendBackFlag,
  verifyAuditTrail,
  verifyFlag,
} from '@custodian/core';
import { testBackends, useTestStorage } from '@custodian/core/testing';
import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { runFlagsCommand } from './commands/flags.js';
import { runIngestCommand } from './commands/run.js';
import { isRunMissing, nightlyIngestJob, nightOf } from './jobs/nightly-ingest.js';
import { masterDataHeaderProblem } from './pipeline/master-data.js';
import { correctionCodec } from './review/apply-correction.js';
import { runIngest } from './run-ingest.js';
import {
  agentRow,
  backdate,
  cleanRow,
  complaintRow,
  makeId,
  openTestContext,
  type Row,
  tempDir,
  writeCsv,
} from './testing/fixtures.js';

/** A CliOutput that prints nothing (the commands' own output is not under test here). */
function quietOutput(): CliOutput {
  return { json: false, say() {}, note() {}, progress() {}, result() {} };
}

for (const backend of testBackends()) {
  describe(`review and nightly job on ${backend.name}`, () => {
    let storage: Storage;
    let ctx: CustodianContext;
    let dir: string;
    useTestStorage(backend, (s) => {
      storage = s;
    });
    beforeEach(async () => {
      dir = tempDir();
      ctx = await openTestContext(storage, dir, { ingest: { inbox: join(dir, 'inbox') } });
    });

    /** Ingests `rows` as the file `name` on 2026-11-20 and returns the flag it raised under `rule`. */
    async function flagAfterIngest(name: string, rows: Row[], rule: string) {
      await runIngest(ctx, { files: [writeCsv(dir, name, rows)], date: '2026-11-20', workers: 0 });
      return storage.db.selectFrom('flags').selectAll().where('rule', '=', rule).executeTakeFirstOrThrow();
    }

    it('works a flag from listed to verified, appending every step, with four eyes', async () => {
      const flag = await flagAfterIngest(
        'a.csv',
        [cleanRow('F1', { holder_phone: '15412345678' })],
        'PHONE_FORMAT',
      );
      const correction = { keyring: ctx.keyring, codec: correctionCodec(ctx) };
      const customer = () =>
        storage.db
          .selectFrom('customers')
          .selectAll()
          .where('record_id', '=', 'F1')
          .executeTakeFirstOrThrow();
      const flagRow = () =>
        storage.db
          .selectFrom('flags')
          .selectAll()
          .where('flag_id', '=', flag.flag_id)
          .executeTakeFirstOrThrow();
      const before = await customer();
      await assignFlag(storage.db, flag.flag_id, { actor: 'reviewer1', to: '个险渠道' });
      await expect(
        resolveFlag(storage.db, flag.flag_id, { actor: 'inv1', outcome: 'fixed', note: 'x' }),
      ).rejects.toThrow(/unknown outcome/);
      await expect(
        resolveFlag(storage.db, flag.flag_id, { actor: 'inv1', outcome: 'genuine', note: ' ' }),
      ).rejects.toThrow(/note is required/);
      // A "correction" that still fails the rule is refused at once, to the investigator, and changes nothing.
      await expect(
        resolveFlag(
          storage.db,
          flag.flag_id,
          { actor: 'inv1', outcome: 'corrected', note: '更正', corrected: { holder_phone: '12' } },
          correction,
        ),
      ).rejects.toThrow(/corrected record still fails PHONE_FORMAT \(holder_phone\)/);
      expect(await flagRow()).toMatchObject({ status: 'assigned', pending_correction: null });
      const resolveCorrected = () =>
        resolveFlag(
          storage.db,
          flag.flag_id,
          {
            actor: 'inv1',
            outcome: 'corrected',
            note: '客户来电更正',
            corrected: { holder_phone: '13987650000' },
          },
          correction,
        );
      await resolveCorrected();
      // Resolved, not verified: the record is exactly as it was; the values are held on the flag, sealed.
      expect(await customer()).toEqual(before);
      const held = await flagRow();
      expect(held.status).toBe('resolved');
      expect(held.pending_correction).not.toBeNull();
      expect(Buffer.from(held.pending_correction!).includes('13987650000')).toBe(false);
      const rowText = await sql<{
        t: string;
      }>`select f::text as t from flags f where flag_id = ${flag.flag_id}`.execute(storage.db);
      expect(rowText.rows[0]!.t).not.toContain('13987650000');
      expect(rowText.rows[0]!.t).not.toContain(Buffer.from('13987650000').toString('hex'));
      expect((await getFlagDetail(storage.db, flag.flag_id)).pendingCorrection).toEqual({
        holder_phone: '139****0000',
      });
      await expect(verifyFlag(storage.db, flag.flag_id, { actor: 'inv1' }, correction)).rejects.toThrow(
        /someone other than inv1/,
      );
      // Sent back: the held values are gone and the record never changed.
      await sendBackFlag(storage.db, flag.flag_id, { actor: 'sup1', note: '请附来电记录' });
      expect(await flagRow()).toMatchObject({ status: 'assigned', pending_correction: null });
      expect(await customer()).toEqual(before);
      expect((await getFlagDetail(storage.db, flag.flag_id)).pendingCorrection).toBeNull();

      await resolveCorrected();
      const closed = await verifyFlag(storage.db, flag.flag_id, { actor: 'sup1' }, correction);
      expect(closed).toMatchObject({ status: 'closed', outcome: 'corrected', pending_correction: null });
      // Verified: the record now carries the corrected phone, encrypted, indexed and masked.
      const c = await customer();
      expect(c.holder_phone_masked).toBe('139****0000');
      expect(decryptJson<Record<string, string>>(ctx.keyring, c.pii).holder_phone).toBe('13987650000');
      expect(Buffer.from(c.holder_phone_bidx!)).toEqual(blindIndex(ctx.keyring, 'phone', '13987650000'));
      expect(Buffer.from(c.holder_phone_bidx!)).not.toEqual(Buffer.from(before.holder_phone_bidx!));
      await expect(
        resolveFlag(storage.db, flag.flag_id, { actor: 'inv1', outcome: 'dismissed', note: 'x' }),
      ).rejects.toThrow(/already closed/);
      const detail = await getFlagDetail(storage.db, flag.flag_id);
      expect(detail.history.map((h) => `${h.action}:${h.actor}`)).toEqual([
        'raised:test',
        'assigned:reviewer1',
        'resolved:inv1',
        'sent_back:sup1',
        'resolved:inv1',
        'verified:sup1',
      ]);
      // Each step says what became of the correction, with the values masked.
      expect(detail.history.slice(2).map((h) => h.detail)).toMatchObject([
        {
          outcome: 'corrected',
          correction: 'pending_verification',
          corrected: { holder_phone: '139****0000' },
        },
        {
          previous_outcome: 'corrected',
          correction: 'discarded',
          corrected: { holder_phone: '139****0000' },
        },
        { outcome: 'corrected', correction: 'pending_verification' },
        { outcome: 'corrected', correction: 'applied', corrected: { holder_phone: '139****0000' } },
      ]);
      // The corrected value appears masked in the history, never clear.
      expect(JSON.stringify(detail.history)).toContain('139****0000');
      expect(JSON.stringify(detail.history)).not.toContain('13987650000');
      expect(await verifyAuditTrail(storage.db)).toMatchObject({ ok: true });
      const trail = await storage.db
        .selectFrom('audit_trail')
        .select(['actor', 'action', 'detail'])
        .orderBy('seq')
        .execute();
      expect(trail.map((t) => t.action)).toContain('flag.verified');
      expect(JSON.stringify(trail)).not.toContain('13987650000');
    });

    it('refuses to verify a held correction over a record that changed since, and keeps the flag resolved', async () => {
      const id1980 = makeId('1980-05-06', 11);
      const flag = await flagAfterIngest(
        'b1.csv',
        [cleanRow('G1', { holder_id_number: id1980, holder_birth_date: '1981-01-01' })],
        'ID_BIRTHDATE_MISMATCH',
      );
      const correction = { keyring: ctx.keyring, codec: correctionCodec(ctx) };
      await resolveFlag(
        storage.db,
        flag.flag_id,
        {
          actor: 'inv1',
          outcome: 'corrected',
          note: '按证件更正',
          corrected: { holder_birth_date: '1980-05-06' },
        },
        correction,
      );
      // Before verification, a later file changes the record's phone: the mismatch (same values)
      // is still there, the flag stays resolved, but the held values were checked against the
      // record as it was and are not written over the newer one.
      await runIngest(ctx, {
        files: [
          writeCsv(dir, 'b2.csv', [
            cleanRow('G1', {
              holder_id_number: id1980,
              holder_birth_date: '1981-01-01',
              holder_phone: '13700001111',
            }),
          ]),
        ],
        date: '2026-11-21',
        workers: 0,
      });
      const after = await storage.db
        .selectFrom('customers')
        .selectAll()
        .where('record_id', '=', 'G1')
        .executeTakeFirstOrThrow();
      expect(after.holder_phone_masked).toBe('137****1111');
      await expect(verifyFlag(storage.db, flag.flag_id, { actor: 'sup1' }, correction)).rejects.toMatchObject(
        {
          code: 'CORRECTION_NO_LONGER_APPLIES',
          message: expect.stringMatching(/record G1 changed after the correction was proposed/),
        },
      );
      const still = await storage.db
        .selectFrom('flags')
        .selectAll()
        .where('flag_id', '=', flag.flag_id)
        .executeTakeFirstOrThrow();
      expect(still.status).toBe('resolved');
      expect(still.pending_correction).not.toBeNull();
      expect(
        await storage.db
          .selectFrom('customers')
          .selectAll()
          .where('record_id', '=', 'G1')
          .executeTakeFirstOrThrow(),
      ).toEqual(after);
      // Without the codec a held correction cannot be verified at all (never closed unapplied).
      await expect(verifyFlag(storage.db, flag.flag_id, { actor: 'sup1' })).rejects.toMatchObject({
        code: 'CORRECTION_UNSUPPORTED',
      });
      await sendBackFlag(storage.db, flag.flag_id, { actor: 'sup1', note: '记录已变更，请重新核实' });
      expect(
        await storage.db
          .selectFrom('flags')
          .select(['status', 'pending_correction'])
          .where('flag_id', '=', flag.flag_id)
          .executeTakeFirstOrThrow(),
      ).toEqual({ status: 'open', pending_correction: null });
    });

    it('closes a resolved flag when a later file corrects its record, dropping the held correction', async () => {
      const id1980 = makeId('1980-05-06', 13);
      const wrong = cleanRow('G2', { holder_id_number: id1980, holder_birth_date: '1981-01-01' });
      const flag = await flagAfterIngest('c1.csv', [wrong], 'ID_BIRTHDATE_MISMATCH');
      await resolveFlag(
        storage.db,
        flag.flag_id,
        {
          actor: 'inv1',
          outcome: 'corrected',
          note: '按证件更正',
          corrected: { holder_birth_date: '1980-05-06' },
        },
        { keyring: ctx.keyring, codec: correctionCodec(ctx) },
      );
      const s = await runIngest(ctx, {
        files: [writeCsv(dir, 'c2.csv', [{ ...wrong, holder_birth_date: '1980-05-06' }])],
        date: '2026-11-21',
        workers: 0,
      });
      expect(s!.files[0]!.flagsAutoClosed).toBe(1);
      expect(
        await storage.db
          .selectFrom('flags')
          .select(['status', 'outcome', 'pending_correction'])
          .where('flag_id', '=', flag.flag_id)
          .executeTakeFirstOrThrow(),
      ).toEqual({ status: 'closed', outcome: 'auto_corrected', pending_correction: null });
    });

    // A user review: a false_info resolution awaiting verification was closed as auto_corrected by
    // the next night's corrected file, its outcome gone from the regulator's false-information count.
    it('leaves a resolution other than corrected to its verification when a later file corrects the record', async () => {
      const wrong = cleanRow('G3', { holder_phone: '19412345678' });
      const flag = await flagAfterIngest('f1.csv', [wrong], 'PHONE_FORMAT');
      await resolveFlag(storage.db, flag.flag_id, {
        actor: 'inv1',
        outcome: 'false_info',
        note: '营销员虚构号码',
        attributedTo: 'A9',
      });
      const s = await runIngest(ctx, {
        files: [writeCsv(dir, 'f2.csv', [{ ...wrong, holder_phone: '13912345678' }])],
        date: '2026-11-21',
        workers: 0,
      });
      expect(s!.files[0]).toMatchObject({ recordsUpdated: 1, flagsAutoClosed: 0 });
      expect(
        await storage.db
          .selectFrom('flags')
          .select(['status', 'outcome', 'attributed_to'])
          .where('flag_id', '=', flag.flag_id)
          .executeTakeFirstOrThrow(),
      ).toEqual({ status: 'resolved', outcome: 'false_info', attributed_to: 'A9' });
      const verified = await verifyFlag(storage.db, flag.flag_id, { actor: 'compliance1' });
      expect(verified).toMatchObject({ status: 'closed', outcome: 'false_info', attributed_to: 'A9' });
    });

    it('flags list shows the work list by default, one status with --status, every flag with --status all', async () => {
      await runIngest(ctx, {
        files: [
          writeCsv(dir, 'l.csv', [
            cleanRow('L1', { holder_phone: '15412345678' }),
            cleanRow('L2', { holder_phone: '15412345679' }),
            cleanRow('L3', { holder_phone: '15412345670' }),
            cleanRow('L4', { holder_phone: '15412345671' }),
          ]),
        ],
        date: '2026-11-20',
        workers: 0,
      });
      const ids = (await storage.db.selectFrom('flags').select('flag_id').orderBy('record_id').execute()).map(
        (f) => f.flag_id,
      );
      expect(ids).toHaveLength(4);
      await assignFlag(storage.db, ids[1]!, { actor: 'reviewer1', to: '个险渠道' });
      await resolveFlag(storage.db, ids[2]!, { actor: 'inv1', outcome: 'genuine', note: '属实' });
      await resolveFlag(storage.db, ids[3]!, { actor: 'inv1', outcome: 'dismissed', note: '误报' });
      await verifyFlag(storage.db, ids[3]!, { actor: 'sup1' });
      const list = async (...args: string[]) => {
        let result: { total: number; flags: { flag_id: number; status: string }[] } | undefined;
        const out: CliOutput = {
          ...quietOutput(),
          json: true,
          result(r) {
            result = r as typeof result;
          },
        };
        expect(await runFlagsCommand(ctx, ['list', ...args], out)).toBe(0);
        return result!.flags.map((f) => `${f.flag_id}:${f.status}`).sort();
      };
      const [open, assigned, resolved, closed] = ids;
      expect(await list()).toEqual([`${open}:open`, `${assigned}:assigned`, `${resolved}:resolved`].sort());
      expect(await list('--status', 'closed')).toEqual([`${closed}:closed`]);
      expect(await list('--status', 'open')).toEqual([`${open}:open`]);
      expect(await list('--status', 'all')).toHaveLength(4);
      await expect(list('--status', 'pending')).rejects.toThrow(/--status must be one of .*all/);
    });

    it('takes every inbox file, agents first, moves each to done/ or failed/, and records the run', async () => {
      const inbox = join(dir, 'inbox');
      mkdirSync(inbox, { recursive: true });
      writeCsv(inbox, 'agents-20261120.csv', [agentRow('A001', { address: '', branch: '北京' })]);
      writeCsv(inbox, 'customers-1.csv', [cleanRow('S1', { holder_phone: '13700001111' })]);
      writeFileSync(join(inbox, 'customers-2.csv'), 'no_id_column,x\n1,2\n');
      expect(await isRunMissing(ctx, '2026-11-21')).toBe(true);
      const r = await nightlyIngestJob.run(ctx, { runKey: '2026-11-21', workers: 0 });
      expect(r.summary!.files.map((f) => f.status)).toEqual(['done', 'failed']);
      expect(r.status).toBe('done');
      expect(
        readdirSync(join(inbox, 'done'))
          .map((n) => n.replace(/^\d+T\d+_/, ''))
          .sort(),
      ).toEqual(['agents-20261120.csv', 'customers-1.csv']);
      expect(readdirSync(join(inbox, 'failed')).map((n) => n.replace(/^\d+T\d+_/, ''))).toEqual([
        'customers-2.csv',
      ]);
      expect(existsSync(join(inbox, 'customers-1.csv'))).toBe(false);
      expect(await isRunMissing(ctx, '2026-11-21')).toBe(false);
      const flags = await storage.db.selectFrom('flags').select('rule').execute();
      expect(flags.map((f) => f.rule)).toEqual(['AGENT_CONTACT_SUBSTITUTION']);
    });

    it('fails an unreadable file alone: the others are ingested, it goes to failed/, the run is finished', async () => {
      const inbox = join(dir, 'inbox');
      mkdirSync(inbox, { recursive: true });
      writeCsv(inbox, 'cust_a.csv', [cleanRow('U1')]);
      // Not a zip archive: exceljs (jszip) throws while opening it, before any row.
      writeFileSync(join(inbox, 'cust_b.xlsx'), Buffer.from('13912345678 not a workbook\n'.repeat(40)));
      writeFileSync(join(inbox, 'cust_b2.csv'), '"record_id,holder_name\nU9,张三\n');
      // An Excel 97-2003 workbook: not read, but not left in the inbox either.
      writeFileSync(
        join(inbox, 'cust_b3.xls'),
        Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(1024)]),
      );
      writeCsv(inbox, 'cust_c.csv', [cleanRow('U2')]);
      const r = await nightlyIngestJob.run(ctx, { runKey: '2026-11-21', workers: 0 });
      const byName = new Map(r.summary!.files.map((f) => [f.file.replace(/^.*\//, ''), f]));
      expect(byName.get('cust_a.csv')!.status).toBe('done');
      expect(byName.get('cust_c.csv')!.status).toBe('done');
      const bad = byName.get('cust_b.xlsx')!;
      expect(bad.status).toBe('failed');
      expect(bad.message).toMatch(/^cust_b\.xlsx: /);
      expect(bad.message).toMatch(/^cust_b\.xlsx: not a readable XLSX workbook \(not a valid zip archive: /);
      expect(bad.message).not.toMatch(/\n| {4}at |13912345678/);
      expect(byName.get('cust_b2.csv')!.status).not.toBe('done');
      expect(byName.get('cust_b3.xls')!.message).toBe(
        'cust_b3.xls: an Excel 97-2003 (.xls) workbook: save it as .xlsx or CSV',
      );
      expect(readdirSync(join(inbox, 'failed')).map((n) => n.replace(/^\d+T\d+_/, ''))).toEqual([
        'cust_b.xlsx',
        'cust_b2.csv',
        'cust_b3.xls',
      ]);
      expect(readdirSync(inbox).sort()).toEqual(['done', 'failed']);
      expect(await isRunMissing(ctx, '2026-11-21')).toBe(false);
      const ids = await storage.db.selectFrom('customers').select('record_id').orderBy('record_id').execute();
      expect(ids.map((c) => c.record_id)).toEqual(['U1', 'U2']);
      const batches = await storage.db.selectFrom('batches').select('status').execute();
      expect(batches.filter((b) => b.status === 'running')).toEqual([]);
    });

    it('loads every agents file of the inbox in name order, the newest last, and leaves none behind', async () => {
      const inbox = join(dir, 'inbox');
      mkdirSync(inbox, { recursive: true });
      writeCsv(inbox, 'agents_20261122.csv', [
        agentRow('A001', { branch: '旧机构' }),
        agentRow('A002', { branch: '上海分公司' }),
      ]);
      writeCsv(inbox, 'agents_20261123.csv', [agentRow('A001', { branch: '新机构' })]);
      const r = await nightlyIngestJob.run(ctx, { runKey: '2026-11-21', workers: 0 });
      expect(r.summary!.masterData.map((m) => [m.file.replace(/^.*\//, ''), m.status, m.loaded])).toEqual([
        ['agents_20261122.csv', 'done', 2],
        ['agents_20261123.csv', 'done', 1],
      ]);
      const agents = await storage.db
        .selectFrom('agents')
        .select(['agent_id', 'branch'])
        .orderBy('agent_id')
        .execute();
      expect(agents).toEqual([
        { agent_id: 'A001', branch: '新机构' },
        { agent_id: 'A002', branch: '上海分公司' },
      ]);
      expect(readdirSync(inbox).sort()).toEqual(['done']);
      expect(readdirSync(join(inbox, 'done'))).toHaveLength(2);
    });

    it('refuses a customer file given as agents or complaints, naming it and the missing columns, loading nothing', async () => {
      await runIngest(ctx, {
        files: [],
        agentsFile: writeCsv(dir, 'agents.csv', [agentRow('A001')]),
        workers: 0,
      });
      const customers = writeCsv(dir, 'c80.csv', [cleanRow('W1', { agent_id: 'A001' })]);
      const s = (await runIngest(ctx, {
        files: [writeCsv(dir, 'c3.csv', [cleanRow('W2')])],
        agentsFile: customers,
        complaintsFile: customers,
        workers: 0,
      }))!;
      expect(s.masterData.map((m) => m.status)).toEqual(['failed', 'failed']);
      expect(s.masterData[0]!.message).toMatch(
        /^c80\.csv: not an agents file .*missing column\(s\) name, phone, address, status, hired_on; customer-record column\(s\) record_id, archive_no, holder_name, holder_gender and \d+ more; nothing loaded$/,
      );
      expect(s.masterData[1]!.message).toMatch(/^c80\.csv: not a complaints file .*complaint_id/);
      expect(s.totals.filesFailed).toBe(2);
      // Every column of the format is required (the load upserts them all); a customer column alone refuses too.
      const agentColumns = Object.keys(agentRow('A9'));
      expect(masterDataHeaderProblem('agents', agentColumns, {})).toBeUndefined();
      expect(
        masterDataHeaderProblem(
          'agents',
          ['工号', '姓名', '手机号码', '联系地址', '渠道', '机构', '状态', '入职日期', '备注'],
          {},
        ),
      ).toBeUndefined();
      expect(masterDataHeaderProblem('agents', agentColumns.slice(0, -1), {})).toMatch(
        /missing column\(s\) hired_on;/,
      );
      expect(masterDataHeaderProblem('agents', [...agentColumns, '证件号码'], {})).toMatch(
        /customer-record column\(s\) 证件号码; nothing loaded/,
      );
      // A file whose header line was deleted says so first, never echoing the row's values.
      const dataRow = Object.values(agentRow('A9'));
      const noHeader = masterDataHeaderProblem('agents', dataRow, {}, { line: 1, encoding: 'utf-8' });
      expect(noHeader).toMatch(
        /^not an agents file \(formats\.md: [^)]*\): the first line looks like a data row: .*; missing column\(s\) agent_id, /,
      );
      for (const v of dataRow) if (v.length > 2) expect(noHeader).not.toContain(v);
      expect(s.files.map((f) => f.status)).toEqual(['done']);
      const a = await storage.db.selectFrom('agents').selectAll().execute();
      expect(a).toHaveLength(1);
      expect(a[0]!.name_masked).not.toBeNull();
      expect(decryptJson<Record<string, string>>(ctx.keyring, a[0]!.pii).phone).toBe('13700001111');
      expect(await storage.db.selectFrom('complaints').selectAll().execute()).toEqual([]);
      // A complaint whose `verified` says neither yes nor no is rejected, not counted as unverified.
      const c = (await runIngest(ctx, {
        files: [],
        complaintsFile: writeCsv(dir, 'complaints.csv', [
          complaintRow('C1', 'A001', '2026-10-01'),
          complaintRow('C2', 'A001', '2026-10-02', { verified: 'maybe' }),
          complaintRow('C3', 'A001', '2026-10-03', { verified: '' }),
        ]),
        workers: 0,
      }))!;
      expect(c.masterData[0]).toMatchObject({
        status: 'done',
        loaded: 2,
        rejected: [{ line: 3, column: 'verified' }],
      });
      const stored = await storage.db
        .selectFrom('complaints')
        .select(['complaint_id', 'verified'])
        .orderBy('complaint_id')
        .execute();
      expect(stored).toEqual([
        { complaint_id: 'C1', verified: true },
        { complaint_id: 'C3', verified: false },
      ]);
      // On the command line the wrong file is refused before anything is done.
      const out = quietOutput();
      await expect(runIngestCommand(ctx, ['c3.csv', '--agents', customers], out)).rejects.toThrow(
        /file not found: c3.csv/,
      );
      await expect(
        runIngestCommand(ctx, [writeCsv(dir, 'c4.csv', [cleanRow('W4')]), '--agents', customers], out),
      ).rejects.toMatchObject({
        code: 'USAGE',
        message: expect.stringMatching(/--agents c80\.csv: not an agents file/),
      });
      await expect(
        runIngestCommand(ctx, [writeCsv(dir, 'c5.csv', [cleanRow('W5')]), dir], out),
      ).rejects.toMatchObject({
        code: 'USAGE',
        message: expect.stringContaining(`not a file: ${dir} is a directory`),
      });
      expect(
        (await storage.db.selectFrom('customers').select('record_id').execute()).map((c) => c.record_id),
      ).toEqual(['W2']);
    });

    it('knows which nightly run is due, for catching up after downtime', () => {
      // 01:00 Asia/Shanghai: at 00:30 local the due run is yesterday's, at 01:30 today's.
      expect(nightlyIngestJob.dueRunKey(ctx, new Date('2026-11-21T16:30:00Z'))).toBe('2026-11-21');
      expect(nightlyIngestJob.dueRunKey(ctx, new Date('2026-11-21T17:30:00Z'))).toBe('2026-11-22');
      expect(nightlyIngestJob.cron(ctx)).toBe('0 1 * * *');
    });

    it("dates a night's batch by the evening that delivered its files, so its flags are listed the next morning", async () => {
      // 01:00 Beijing time on Tuesday 2026-11-24 (17:00 UTC on Monday): Monday's exports.
      expect(nightOf(new Date('2026-11-23T17:00:00Z'))).toBe('2026-11-23');
      // A catch-up at 11:59 Tuesday is still Monday's night; at 12:00, and a 22:00 nightly time, its own day.
      expect(nightOf(new Date('2026-11-24T03:59:00Z'))).toBe('2026-11-23');
      expect(nightOf(new Date('2026-11-24T04:00:00Z'))).toBe('2026-11-24');
      expect(nightOf(new Date('2026-11-24T14:00:00Z'))).toBe('2026-11-24');
      // The run itself: the batch is dated by the night, and its flags are listed today or later.
      const inbox = join(dir, 'inbox');
      mkdirSync(inbox, { recursive: true });
      writeCsv(inbox, 'customers.csv', [cleanRow('ND1', { consent: '否' })]);
      const before = new Date();
      await nightlyIngestJob.run(ctx, { runKey: nightlyIngestJob.dueRunKey(ctx, before), workers: 0 });
      const batch = await storage.db
        .selectFrom('batches')
        .select('ingested_on')
        .orderBy('batch_id', 'desc')
        .executeTakeFirstOrThrow();
      const day = (d: unknown) => (d instanceof Date ? d.toISOString() : String(d)).slice(0, 10);
      // The run may cross noon between the two readings of the clock.
      expect([nightOf(before), nightOf(new Date())]).toContain(day(batch.ingested_on));
      const [flag] = await storage.db.selectFrom('flags').select('listed_on').execute();
      expect(day(flag!.listed_on) > day(batch.ingested_on)).toBe(true);
    });
  });
}

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));

/**
 * Ctrl-C during a scheduled run, with the real command line (tsx, worker threads, embedded
 * database on disk): the first signal lets the running ingestion finish and then stops; a second
 * one aborts with a non-zero exit, and the next run catches up with the files left in the inbox.
 */
describe('a stop signal during the nightly run', () => {
  const masterKeys = `t1:${Buffer.alloc(32, 9).toString('base64')}`;
  const schedule = (dataDir: string, inbox: string, signals: number) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', '--conditions=custodian-source', CLI, 'schedule', '--once'],
        {
          env: {
            ...process.env,
            CUSTODIAN_DATA_DIR: dataDir,
            CUSTODIAN_MASTER_KEYS: masterKeys,
            CUSTODIAN_INBOX: inbox,
            DATABASE_URL: '',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      let sent = 0;
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        // The first signal once the run has started, the second once the first is acknowledged.
        if (sent === 0 && /nightly ingestion \S+: inbox/.test(stderr)) {
          sent++;
          child.kill('SIGINT');
        } else if (sent === 1 && signals > 1 && /waiting for the running ingestion/.test(stderr)) {
          // A repeat within a second is the same Ctrl-C relayed twice (stop-signals.ts): a person
          // presses again later.
          sent++;
          setTimeout(() => child.kill('SIGINT'), 1_300);
        }
      });
      child.on('exit', (code) => resolve({ code, stderr }));
    });
  const bigInbox = (dir: string, n = 20_000) => {
    const inbox = join(dir, 'inbox');
    mkdirSync(inbox, { recursive: true });
    const rows = Array.from({ length: n }, (_, i) =>
      cleanRow(`G${i}`, { holder_phone: `1381${String(i).padStart(7, '0')}` }),
    );
    // Delivered in the evening: the job takes it at once (not waiting for it to settle).
    backdate(writeCsv(inbox, 'c10.csv', rows));
    return inbox;
  };
  const jobRuns = async (dataDir: string) => {
    const storage = await openStorage({ dataDir });
    try {
      const runs = await storage.db.selectFrom('job_runs').select('status').execute();
      const n = await storage.db
        .selectFrom('customers')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return { runs: runs.map((r) => r.status), customers: Number(n.n) };
    } finally {
      await storage.close();
    }
  };

  it('finishes the running ingestion on the first signal, then stops', async () => {
    const dir = tempDir('custodian-stop-');
    const dataDir = join(dir, 'data');
    const inbox = bigInbox(dir);
    const r = await schedule(dataDir, inbox, 1);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/SIGINT: no new runs; waiting for the running ingestion to finish/);
    expect(r.stderr).toMatch(/c10\.csv: batch \d+ \(utf-8\), 20,000 rows, 0 quarantined, 20,000 new/);
    expect(r.stderr).not.toMatch(/destroyed|failed/);
    expect(readdirSync(inbox)).toEqual(['done']);
    expect(await jobRuns(dataDir)).toEqual({ runs: ['done'], customers: 20_000 });
  }, 180_000);

  it('aborts on a second signal with a non-zero exit; the next run ingests the files left', async () => {
    const dir = tempDir('custodian-abort-');
    const dataDir = join(dir, 'data');
    // Still being read 1.3 s after the first signal.
    const inbox = bigInbox(dir, 40_000);
    const r = await schedule(dataDir, inbox, 2);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/SIGINT again: ingestion aborted/);
    expect(existsSync(join(inbox, 'c10.csv'))).toBe(true);
    expect(await jobRuns(dataDir)).toEqual({ runs: ['running'], customers: 0 });
    const storage = await openStorage({ dataDir });
    try {
      const ctx = await openTestContext(storage, dataDir, { masterKeys, ingest: { inbox } });
      expect(await isRunMissing(ctx, nightlyIngestJob.dueRunKey(ctx, new Date()))).toBe(true);
      const again = await nightlyIngestJob.run(ctx, { runKey: 'catch-up', workers: 0 });
      expect(again.summary!.files.map((f) => f.status)).toEqual(['done']);
      expect(readdirSync(inbox)).toEqual(['done']);
    } finally {
      await storage.close();
    }
  }, 180_000);
});
