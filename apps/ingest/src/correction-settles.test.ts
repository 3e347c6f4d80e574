import {
  type CustodianContext,
  type Flag,
  getFlagDetail,
  resolveFlag,
  type Storage,
  verifyFlag,
} from '@custodian/core';
import { runCli, testBackends, useTestStorage } from '@custodian/core/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { runFlagsCommand } from './commands/flags.js';
import { correctionCodec } from './review/apply-correction.js';
import { runIngest } from './run-ingest.js';
import {
  agentRow,
  cleanRow,
  complaintRow,
  makeId,
  openTestContext,
  tempDir,
  writeCsv,
} from './testing/fixtures.js';

/**
 * A verified correction closes the other open flags it settles, as a later file would in the
 * nightly merge (user review: a corrected phone left the same record's PHONE_PLACEHOLDER open, and
 * a corrected DUP_PHONE left the partner's DUP_PHONE open although the phones differ now).
 */
for (const backend of testBackends()) {
  describe(`a verified correction settles the other flags it fixed, on ${backend.name}`, () => {
    let storage: Storage;
    let ctx: CustodianContext;
    let dir: string;

    useTestStorage(backend, (s) => {
      storage = s;
    });
    beforeEach(async () => {
      dir = tempDir();
      ctx = await openTestContext(storage, dir);
    });

    let n = 0;
    async function ingest(
      rows: Record<string, string>[],
      master: { complaints?: Record<string, string>[] } = {},
    ) {
      n++;
      await runIngest(ctx, {
        files: [writeCsv(dir, `c${n}.csv`, rows)],
        agentsFiles: [
          writeCsv(dir, `agents${n}.csv`, [
            agentRow('A001'),
            agentRow('A002', { phone: '13700002222', address: '北京市朝阳区某路2号' }),
          ]),
        ],
        ...(master.complaints
          ? { complaintsFiles: [writeCsv(dir, `complaints${n}.csv`, master.complaints)] }
          : {}),
        date: '2026-11-20',
        workers: 0,
      });
    }
    const flagOf = (recordId: string, rule: string): Promise<Flag> =>
      storage.db
        .selectFrom('flags')
        .selectAll()
        .where('record_id', '=', recordId)
        .where('rule', '=', rule)
        .executeTakeFirstOrThrow();
    const codec = () => ({ keyring: ctx.keyring, codec: correctionCodec(ctx) });
    const correct = async (flag: Flag, corrected: Record<string, string>) => {
      await resolveFlag(
        storage.db,
        flag.flag_id,
        { actor: 'inv1', outcome: 'corrected', note: '更正', corrected },
        codec(),
      );
      await verifyFlag(storage.db, flag.flag_id, { actor: 'sup1' }, codec());
    };
    const settledEvent = async (flagId: number) =>
      (await getFlagDetail(storage.db, flagId)).history.find((e) => e.action === 'auto_closed');

    it("closes the record's own findings the correction removed, and only those", async () => {
      // 11111111111: not an allocated segment (PHONE_FORMAT) and a known placeholder (PHONE_PLACEHOLDER);
      // the wrong gender (ID_GENDER_MISMATCH) stays; agent A001 is due for re-check (AGENT_RECHECK).
      await ingest([cleanRow('R000000380', { holder_phone: '11111111111', holder_gender: '女' })], {
        complaints: [complaintRow('C1', 'A001', '2026-03-01'), complaintRow('C2', 'A001', '2026-06-01')],
      });
      const format = await flagOf('R000000380', 'PHONE_FORMAT');
      const placeholder = await flagOf('R000000380', 'PHONE_PLACEHOLDER');
      const gender = await flagOf('R000000380', 'ID_GENDER_MISMATCH');
      const recheck = await flagOf('R000000380', 'AGENT_RECHECK');
      expect([placeholder.status, gender.status, recheck.status]).toEqual(['open', 'open', 'open']);

      await correct(format, { holder_phone: '13912340380' });

      expect(await flagOf('R000000380', 'PHONE_FORMAT')).toMatchObject({
        status: 'closed',
        outcome: 'corrected',
      });
      expect(await flagOf('R000000380', 'PHONE_PLACEHOLDER')).toMatchObject({
        status: 'closed',
        outcome: 'auto_corrected',
      });
      expect(await settledEvent(placeholder.flag_id)).toMatchObject({
        actor: 'sup1',
        detail: { settled_by_flag: format.flag_id },
      });
      // Its problem remains: the gender still disagrees with the ID number.
      expect((await flagOf('R000000380', 'ID_GENDER_MISMATCH')).status).toBe('open');
      // Never closed by a correction: only its own review closes it.
      expect((await flagOf('R000000380', 'AGENT_RECHECK')).status).toBe('open');
      const audit = await storage.db
        .selectFrom('audit_trail')
        .select(['actor', 'target_id'])
        .where('action', '=', 'flag.auto_closed')
        .execute();
      expect(audit).toEqual([{ actor: 'sup1', target_id: String(placeholder.flag_id) }]);
      // Masked only: the clear phones are nowhere in the history.
      const history = JSON.stringify(await getFlagDetail(storage.db, placeholder.flag_id));
      expect(history).not.toContain('11111111111');
      expect(history).not.toContain('13912340380');
    });

    it('keeps a finding that remains under new values open, though its fingerprint changed', async () => {
      // A male ID number for a woman (ID_GENDER_MISMATCH) and no address (MISSING_REQUIRED): the ID
      // number corrected, the address is still missing, and that finding's fingerprint (which
      // includes the holder's ID number) is not the flag's any more.
      await ingest([
        cleanRow('G1', {
          holder_gender: '女',
          holder_address: '',
          holder_id_number: makeId('1980-05-06', 41),
        }),
      ]);
      const gender = await flagOf('G1', 'ID_GENDER_MISMATCH');
      const missing = await flagOf('G1', 'MISSING_REQUIRED');
      expect(missing.masked_values).toHaveProperty('holder_address');
      await correct(gender, { holder_id_number: makeId('1980-05-06', 42) });
      expect((await flagOf('G1', 'ID_GENDER_MISMATCH')).outcome).toBe('corrected');
      expect(await flagOf('G1', 'MISSING_REQUIRED')).toMatchObject({ status: 'open', outcome: null });
    });

    it('leaves alone a flag of the record resolved and awaiting its own verification', async () => {
      await ingest([cleanRow('K1', { holder_phone: '11111111111' })]);
      const format = await flagOf('K1', 'PHONE_FORMAT');
      const placeholder = await flagOf('K1', 'PHONE_PLACEHOLDER');
      await resolveFlag(storage.db, placeholder.flag_id, {
        actor: 'inv2',
        outcome: 'dismissed',
        note: '客户确认',
      });
      await correct(format, { holder_phone: '13912340001' });
      expect(await flagOf('K1', 'PHONE_PLACEHOLDER')).toMatchObject({
        status: 'resolved',
        outcome: 'dismissed',
      });
    });

    // A user review: a correction of the record's channel left its other flags under the old
    // channel, with an investigator no longer responsible for the record (a later file moves them).
    it("moves the record's flags under review with a corrected channel or branch, not the verified one", async () => {
      // No consent (CONSENT_MISSING, corrected with the channel), a woman with a male ID number
      // (ID_GENDER_MISMATCH, stays open), the placeholder phone 11111111111 (PHONE_FORMAT, open, and
      // PHONE_PLACEHOLDER, resolved dismissed, awaiting verification); another record's flag under
      // the same channel.
      await ingest([
        cleanRow('V1', { consent: '否', holder_gender: '女', holder_phone: '11111111111' }),
        cleanRow('V2', { consent: '否' }),
      ]);
      const consent = await flagOf('V1', 'CONSENT_MISSING');
      const placeholder = await flagOf('V1', 'PHONE_PLACEHOLDER');
      await resolveFlag(storage.db, placeholder.flag_id, {
        actor: 'inv2',
        outcome: 'dismissed',
        note: '核实',
      });
      await correct(consent, { consent: '是', channel: '银保', branch: '江苏分公司' });

      const where = async (recordId: string, rule: string) => {
        const f = await flagOf(recordId, rule);
        return [f.status, f.channel, f.branch];
      };
      // The verified flag is closed under the channel it was reviewed under.
      expect(await where('V1', 'CONSENT_MISSING')).toEqual(['closed', '个险', '北京分公司']);
      expect(await where('V1', 'ID_GENDER_MISMATCH')).toEqual(['open', '银保', '江苏分公司']);
      expect(await where('V1', 'PHONE_PLACEHOLDER')).toEqual(['resolved', '银保', '江苏分公司']);
      expect(await where('V2', 'CONSENT_MISSING')).toEqual(['open', '个险', '北京分公司']);
      const gender = await flagOf('V1', 'ID_GENDER_MISMATCH');
      expect((await getFlagDetail(storage.db, gender.flag_id)).history.at(-1)).toMatchObject({
        actor: 'sup1',
        action: 'moved',
        detail: {
          corrected_by_flag: consent.flag_id,
          channel_before: '个险',
          branch_before: '北京分公司',
          channel_now: '银保',
          branch_now: '江苏分公司',
        },
      });
      expect(
        (await getFlagDetail(storage.db, consent.flag_id)).history.some((e) => e.action === 'moved'),
      ).toBe(false);
      // The list of the new channel has them, the old one's no longer.
      const listed = async (channel: string) =>
        (
          JSON.parse(
            (await runCli(runFlagsCommand, ctx, ['list', '--json', '--channel', channel])).stdout,
          ) as {
            flags: { record_id: string; rule: string }[];
          }
        ).flags.map((f) => `${f.record_id} ${f.rule}`);
      expect((await listed('银保')).sort()).toEqual([
        'V1 ID_GENDER_MISMATCH',
        'V1 PHONE_FORMAT',
        'V1 PHONE_PLACEHOLDER',
      ]);
      expect(await listed('个险')).toEqual(['V2 CONSENT_MISSING']);
    });

    it("closes the partner's DUP_PHONE when the corrected phone leaves one ID number holding the old one", async () => {
      const a = cleanRow('D91');
      const b = cleanRow('D92', {
        holder_phone: a.holder_phone!,
        holder_id_number: makeId('1985-01-01', 23),
      });
      const other = cleanRow('D93');
      await ingest([a, b, other]);
      const partner = await flagOf('D91', 'DUP_PHONE');
      const corrected = await flagOf('D92', 'DUP_PHONE');
      expect(partner.status).toBe('open');

      // Verified from the command line: it says which other flags the correction closed.
      await resolveFlag(
        storage.db,
        corrected.flag_id,
        { actor: 'inv1', outcome: 'corrected', note: '更正', corrected: { holder_phone: '13600004321' } },
        codec(),
      );
      // The verifier is the context's actor (cli.ts reads --actor into the configuration).
      const verified = await runCli(runFlagsCommand, { ...ctx, config: { ...ctx.config, actor: 'sup1' } }, [
        'verify',
        String(corrected.flag_id),
        '--json',
      ]);
      expect(verified.code).toBe(0);
      expect(verified.stderr).toContain(
        `  it also closed 1 other flag(s) the correction settled: #${partner.flag_id} DUP_PHONE (D91)`,
      );
      expect(verified.json).toMatchObject({ ok: true, settled: [partner.flag_id] });
      const verifiedEvent = (await getFlagDetail(storage.db, corrected.flag_id)).history.find(
        (e) => e.action === 'verified',
      );
      expect(verifiedEvent?.detail).toMatchObject({
        correction: 'applied',
        settled_flags: [partner.flag_id],
      });

      expect(await flagOf('D91', 'DUP_PHONE')).toMatchObject({ status: 'closed', outcome: 'auto_corrected' });
      expect(await settledEvent(partner.flag_id)).toMatchObject({
        actor: 'sup1',
        detail: { settled_by_flag: corrected.flag_id },
      });
      expect(await flagOf('D92', 'DUP_PHONE')).toMatchObject({ status: 'closed', outcome: 'corrected' });
      const others = await storage.db
        .selectFrom('flags')
        .select('flag_id')
        .where('record_id', '=', 'D93')
        .execute();
      expect(others).toEqual([]);
    });

    it('keeps the DUP_PHONE flags open while a third record holds the phone under another ID number', async () => {
      const a = cleanRow('T1');
      const b = cleanRow('T2', { holder_phone: a.holder_phone!, holder_id_number: makeId('1985-01-01', 23) });
      const c = cleanRow('T3', { holder_phone: a.holder_phone!, holder_id_number: makeId('1990-02-02', 25) });
      await ingest([a, b, c]);
      const t2 = await flagOf('T2', 'DUP_PHONE');
      await correct(t2, { holder_phone: '13600004322' });
      for (const id of ['T1', 'T3']) {
        const f = await flagOf(id, 'DUP_PHONE');
        expect(f.status).toBe('open');
        expect(await settledEvent(f.flag_id)).toBeUndefined();
      }
      // The flags name the records that share the phone now: T2 left the group.
      expect((await flagOf('T1', 'DUP_PHONE')).related_record_ids).toEqual(['T3']);
      expect((await flagOf('T3', 'DUP_PHONE')).reason_en).toMatch(
        /2 different ID numbers \(2 records\); other records: T1$/,
      );
    });

    it('closes a group left to one ID number once the correction is verified, not when it is resolved', async () => {
      // T3 shares the phone with T1 under T1's own ID number: after T2's correction one ID number holds it.
      const a = cleanRow('S1');
      const b = cleanRow('S2', { holder_phone: a.holder_phone!, holder_id_number: makeId('1985-01-01', 23) });
      const c = cleanRow('S3', { holder_phone: a.holder_phone!, holder_id_number: a.holder_id_number! });
      await ingest([a, b, c]);
      const s2 = await flagOf('S2', 'DUP_PHONE');
      await resolveFlag(
        storage.db,
        s2.flag_id,
        { actor: 'inv1', outcome: 'corrected', note: '更正', corrected: { holder_phone: '13600004323' } },
        codec(),
      );
      expect((await flagOf('S1', 'DUP_PHONE')).status).toBe('open');
      await verifyFlag(storage.db, s2.flag_id, { actor: 'sup1' }, codec());
      for (const id of ['S1', 'S3']) {
        expect(await flagOf(id, 'DUP_PHONE')).toMatchObject({ status: 'closed', outcome: 'auto_corrected' });
      }
    });

    it("closes the ID_CONFLICT flags of the ID number's other records when the name is corrected", async () => {
      const id = makeId('1975-03-04', 31);
      const a = cleanRow('I1', { holder_id_number: id, holder_birth_date: '1975-03-04' });
      const b = cleanRow('I2', {
        holder_id_number: id,
        holder_birth_date: '1975-03-04',
        holder_name: '李四',
      });
      await ingest([a, b]);
      const conflict = await flagOf('I2', 'ID_CONFLICT');
      await correct(conflict, { holder_name: '张三明' });
      expect(await flagOf('I1', 'ID_CONFLICT')).toMatchObject({
        status: 'closed',
        outcome: 'auto_corrected',
      });
    });
  });
}
