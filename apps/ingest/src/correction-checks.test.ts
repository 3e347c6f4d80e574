import {
  type CustodianContext,
  decryptJson,
  getFlagDetail,
  resolveFlag,
  type Storage,
  verifyFlag,
} from '@custodian/core';
import { runCli, testBackends, useTestStorage } from '@custodian/core/testing';
import { maskIdNumber } from '@custodian/validators';
import { beforeEach, describe, expect, it } from 'vitest';
import { runFlagsCommand } from './commands/flags.js';
import { correctionCodec } from './review/apply-correction.js';
import { runIngest } from './run-ingest.js';
import { agentRow, cleanRow, luhn, makeId, openTestContext, tempDir, writeCsv } from './testing/fixtures.js';

/**
 * What a `corrected` outcome must get right before it is held for verification (QA findings): a
 * value that cannot be read is not a correction, a correction of another field leaves the problem,
 * a correction must not break an archive-wide rule, birth dates are masked like the ID number
 * that contains them, and four eyes are two people however their names are spelt.
 */
for (const backend of testBackends()) {
  describe(`checks of corrected values on ${backend.name}`, () => {
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

    const id1980 = makeId('1980-05-06', 21);
    async function ingest(rows: Record<string, string>[], agents?: Record<string, string>[]) {
      await runIngest(ctx, {
        files: [writeCsv(dir, `c${Date.now()}.csv`, rows)],
        ...(agents ? { agentsFiles: [writeCsv(dir, `agents-${Date.now()}.csv`, agents)] } : {}),
        date: '2026-11-20',
        workers: 0,
      });
    }
    async function flagOf(recordId: string, rule: string) {
      return storage.db
        .selectFrom('flags')
        .selectAll()
        .where('record_id', '=', recordId)
        .where('rule', '=', rule)
        .executeTakeFirstOrThrow();
    }
    const resolve = (
      flagId: number,
      corrected: Record<string, string>,
      actor = 'inv1',
      acceptedWarnings?: string[],
    ) =>
      resolveFlag(
        storage.db,
        flagId,
        {
          actor,
          outcome: 'corrected',
          note: '更正',
          corrected,
          ...(acceptedWarnings ? { acceptedWarnings } : {}),
        },
        { keyring: ctx.keyring, codec: correctionCodec(ctx) },
      );
    const heldOf = async (flagId: number) =>
      (
        await storage.db
          .selectFrom('flags')
          .select('pending_correction')
          .where('flag_id', '=', flagId)
          .executeTakeFirstOrThrow()
      ).pending_correction;

    it('refuses values that cannot be read, instead of blanking the field', async () => {
      await ingest([cleanRow('K1', { holder_id_number: id1980, holder_birth_date: '1981-01-01' })]);
      const flag = await flagOf('K1', 'ID_BIRTHDATE_MISMATCH');
      for (const [field, value, message] of [
        ['holder_birth_date', 'X', /holder_birth_date cannot be read: expected a date/],
        ['holder_birth_date', '', /holder_birth_date is empty/],
        ['holder_gender', '?', /holder_gender cannot be read/],
        ['consent', 'maybe', /consent cannot be read/],
      ] as const) {
        await expect(resolve(flag.flag_id, { [field]: value })).rejects.toMatchObject({
          code: 'CORRECTION_INVALID',
          message: expect.stringMatching(message),
        });
      }
      // A value typed where the field name goes is not repeated in the message.
      await expect(resolve(flag.flag_id, { '1980-05-06 holder_birth_date': 'x' })).rejects.toMatchObject({
        code: 'CORRECTION_INVALID',
        message: 'the field name given is not a correctable customer field',
      });
      await expect(resolve(flag.flag_id, { birth_date: '1980-05-06' })).rejects.toMatchObject({
        message: '"birth_date" is not a correctable customer field',
      });
      expect(await heldOf(flag.flag_id)).toBeNull();
      expect((await flagOf('K1', 'ID_BIRTHDATE_MISMATCH')).status).toBe('open');
    });

    it('refuses a correction that leaves the flagged problem: another field, or the same rule still broken', async () => {
      await ingest([cleanRow('K2', { holder_id_number: id1980, holder_gender: '女' })]);
      const gender = await flagOf('K2', 'ID_GENDER_MISMATCH');
      await expect(
        resolve(gender.flag_id, { holder_address: '北京市东城区东华门大街1号' }),
      ).rejects.toMatchObject({
        code: 'CORRECTION_INVALID',
        message: expect.stringMatching(/still fails ID_GENDER_MISMATCH/),
      });
      // The right field corrects it.
      await resolve(gender.flag_id, { holder_gender: '男' });
      expect(await heldOf(gender.flag_id)).not.toBeNull();
    });

    it('refuses a corrected value that still fails a warning-level rule, and only on the corrected fields', async () => {
      // A placeholder phone on a PHONE_FORMAT flag, a card failing Luhn on a DUP_BANK_ACCOUNT flag:
      // accepted, they left the record with a problem and no flag to show it (user review).
      const a = cleanRow('P1', { holder_phone: '15412345678' });
      const b = cleanRow('P2', { bank_account: a.bank_account!, holder_id_number: makeId('1985-01-01', 23) });
      const c = cleanRow('P3', {
        holder_id_number: id1980,
        holder_birth_date: '1981-01-01',
        holder_phone: '13800138000',
      });
      await ingest([a, b, c]);
      const format = await flagOf('P1', 'PHONE_FORMAT');
      const dup = await flagOf('P2', 'DUP_BANK_ACCOUNT');
      for (const [flag, corrected, message] of [
        [format, { holder_phone: '13800138000' }, 'PHONE_PLACEHOLDER (holder_phone)'],
        [format, { holder_phone: '１３８００１３８０００' }, 'PHONE_PLACEHOLDER (holder_phone)'],
        [dup, { bank_account: '6222021234567890124' }, 'BANK_ACCOUNT_LUHN (bank_account)'],
      ] as const) {
        const refused = await resolve(flag.flag_id, corrected).then(
          () => undefined,
          (err: unknown) => err as { code: string; message: string },
        );
        expect(refused?.code).toBe('CORRECTION_INVALID');
        expect(refused?.message).toContain(`the corrected record still fails ${message}: `);
        expect(refused?.message).not.toMatch(/13800138000|6222021234567890124|０/);
        expect(await heldOf(flag.flag_id)).toBeNull();
      }
      // P3's placeholder phone is a finding of a field the correction leaves as it was: no refusal.
      await resolve((await flagOf('P3', 'ID_BIRTHDATE_MISMATCH')).flag_id, {
        holder_birth_date: '1980-05-06',
      });
      expect(await heldOf((await flagOf('P3', 'ID_BIRTHDATE_MISMATCH')).flag_id)).not.toBeNull();
    });

    it('refuses a correction that would break an archive-wide rule, or settle a shared value by another field', async () => {
      const a = cleanRow('K3');
      const b = cleanRow('K4', { holder_phone: a.holder_phone!, holder_id_number: makeId('1985-01-01', 23) });
      const c = cleanRow('K5', { holder_id_number: makeId('1990-02-02', 25), holder_phone: '13600001234' });
      await ingest([a, b, c], [agentRow('A001', { phone: '13500009876' })]);
      const dup = await flagOf('K4', 'DUP_PHONE');
      await expect(resolve(dup.flag_id, { holder_address: '上海市黄浦区南京东路1号' })).rejects.toMatchObject(
        {
          message: expect.stringMatching(/DUP_PHONE flag is corrected by correcting holder_phone/),
        },
      );
      // K4's phone corrected to K5's: another customer's, another ID number.
      await expect(resolve(dup.flag_id, { holder_phone: '13600001234' })).rejects.toMatchObject({
        code: 'CORRECTION_INVALID',
        message: expect.stringMatching(/would break DUP_PHONE: record K5 holds it/),
      });
      // To the agent's own phone.
      await expect(resolve(dup.flag_id, { holder_phone: '13500009876' })).rejects.toMatchObject({
        message: expect.stringMatching(/would break AGENT_CONTACT_SUBSTITUTION: .*agent A001/),
      });
      // K5's ID number (with its birth date) given to K4 under another name.
      await expect(
        resolve(dup.flag_id, {
          holder_phone: '13600004321',
          holder_id_number: c.holder_id_number!,
          holder_birth_date: '1990-02-02',
          holder_name: '李四光',
        }),
      ).rejects.toMatchObject({ message: expect.stringMatching(/would break ID_CONFLICT: record K5/) });
      // A phone of nobody else settles it.
      await resolve(dup.flag_id, { holder_phone: '13600004321' });
      expect(await heldOf(dup.flag_id)).not.toBeNull();
    });

    it('refuses, under the telecom profile, a correction that would put an ID number over the line limit', async () => {
      ctx = await openTestContext(storage, dir, { ingest: { profile: 'telecom' } });
      const id1988 = makeId('1988-08-08', 31);
      const line = (i: number) => `1865555${String(i).padStart(4, '0')}`;
      const onId = (recordId: string, i: number) =>
        cleanRow(recordId, {
          holder_id_number: id1988,
          holder_birth_date: '1988-08-08',
          service_number: line(i),
        });
      // Five lines on one ID number (the limit), a sixth ID's six lines, and M1: another person's
      // line, whose ID number (a woman's) disagrees with the gender.
      const id1990 = makeId('1990-02-02', 35);
      const six = Array.from({ length: 6 }, (_, i) =>
        cleanRow(`S${i + 1}`, {
          holder_id_number: id1990,
          holder_birth_date: '1990-02-02',
          service_number: line(100 + i),
        }),
      );
      const m1 = cleanRow('M1', {
        holder_id_number: makeId('1975-03-04', 22),
        holder_birth_date: '1975-03-04',
        service_number: line(50),
      });
      await ingest([...[1, 2, 3, 4, 5].map((i) => onId(`L${i}`, i)), ...six, m1]);
      const gender = await flagOf('M1', 'ID_GENDER_MISMATCH');
      const clear = [id1988, id1990, line(50), line(105), line(6)];
      const refusedWith = async (flagId: number, corrected: Record<string, string>) => {
        const err = await resolve(flagId, corrected).then(
          () => undefined,
          (e: unknown) => e as { code: string; message: string },
        );
        expect(err?.code).toBe('CORRECTION_INVALID');
        for (const v of clear) expect(err?.message).not.toContain(v);
        expect(await heldOf(flagId)).toBeNull();
        return err?.message;
      };
      // M1 given the ID number of L1-L5 (its name and birth date agree): a sixth line on it.
      expect(
        await refusedWith(gender.flag_id, { holder_id_number: id1988, holder_birth_date: '1988-08-08' }),
      ).toBe(
        `the corrected service number or ID number would break ID_LINE_LIMIT: ID number ${maskIdNumber(id1988)} would hold 6 mobile numbers, more than the limit of 5 per ID (its other lines on records L1, L2, L3, …)`,
      );
      // S6's line corrected to another new number: the ID number still holds six.
      const limit = await flagOf('S6', 'ID_LINE_LIMIT');
      expect(await refusedWith(limit.flag_id, { service_number: line(6) })).toMatch(
        /would break ID_LINE_LIMIT: ID number .* would hold 6 mobile numbers/,
      );
      // S6's line corrected to S1's (the same line on two of its records): five lines, accepted,
      // and once verified the ID number's other flags close.
      await resolve(limit.flag_id, { service_number: line(100) });
      await verifyFlag(
        storage.db,
        limit.flag_id,
        { actor: 'sup1' },
        { keyring: ctx.keyring, codec: correctionCodec(ctx) },
      );
      expect((await flagOf('S1', 'ID_LINE_LIMIT')).outcome).toBe('auto_corrected');
      // Within a higher configured limit, M1 may take the ID number of L1-L5.
      ctx = await openTestContext(storage, dir, { ingest: { profile: 'telecom', maxLinesPerId: 6 } });
      await resolve(gender.flag_id, { holder_id_number: id1988, holder_birth_date: '1988-08-08' });
      expect(await heldOf(gender.flag_id)).not.toBeNull();
    });

    it('counts mobile lines only: a record with a landline may take an ID number that holds five mobile numbers', async () => {
      ctx = await openTestContext(storage, dir, { ingest: { profile: 'telecom' } });
      const id1988 = makeId('1988-08-08', 31);
      const five = [1, 2, 3, 4, 5].map((i) =>
        cleanRow(`L${i}`, {
          holder_id_number: id1988,
          holder_birth_date: '1988-08-08',
          service_number: `1865555${String(i).padStart(4, '0')}`,
        }),
      );
      // N1's line is a landline; its ID number (a woman's) disagrees with the gender.
      const n1 = cleanRow('N1', {
        holder_id_number: makeId('1975-03-04', 22),
        holder_birth_date: '1975-03-04',
        service_number: '0755-6226567',
      });
      await ingest([...five, n1]);
      const gender = await flagOf('N1', 'ID_GENDER_MISMATCH');
      await resolve(gender.flag_id, { holder_id_number: id1988, holder_birth_date: '1988-08-08' });
      expect(await heldOf(gender.flag_id)).not.toBeNull();
    });

    it('masks full-width corrected values as half-width ones, and stores them folded (user review)', async () => {
      // Chinese input methods type full-width digits: the values must be masked all the same,
      // in the history, `flags show` (text and --json) and both audit-trail entries.
      const id1976 = makeId('1976-06-16', 27);
      await ingest([
        cleanRow('W1', { holder_phone: '15412345678' }),
        cleanRow('W2', { holder_id_number: id1976, holder_birth_date: '1977-01-01' }),
      ]);
      const phone = await flagOf('W1', 'PHONE_FORMAT');
      const birth = await flagOf('W2', 'ID_BIRTHDATE_MISMATCH');
      const cli = (actor: string, ...argv: string[]) =>
        runCli(runFlagsCommand, { ...ctx, config: { ...ctx.config, actor } }, argv);
      const clear = [
        '１３９１２３４５６７８',
        '13912345678',
        '１９７６－０６－１６',
        '1976-06-16',
        '19760616',
      ];
      const outputs: string[] = [];
      for (const [flag, set] of [
        [phone, 'holder_phone=１３９１２３４５６７８'],
        [birth, 'holder_birth_date=１９７６－０６－１６'],
      ] as const) {
        const id = String(flag.flag_id);
        const resolved = await cli(
          'inv1',
          'resolve',
          id,
          '--outcome',
          'corrected',
          '--set',
          set,
          '--note',
          '更正',
        );
        expect(resolved.code, resolved.stderr).toBe(0);
        const verified = await cli('sup1', 'verify', id);
        expect(verified.code, verified.stderr).toBe(0);
        for (const argv of [
          ['show', id],
          ['show', id, '--json'],
        ]) {
          const shown = await cli('sup1', ...argv);
          expect(shown.code, shown.stderr).toBe(0);
          outputs.push(shown.stdout, shown.stderr);
        }
        outputs.push(resolved.stdout, resolved.stderr, verified.stdout, verified.stderr);
      }
      const { history } = await getFlagDetail(storage.db, phone.flag_id);
      expect(history.find((e) => e.action === 'verified')?.detail).toMatchObject({
        corrected: { holder_phone: '139****5678' },
      });
      const birthHistory = (await getFlagDetail(storage.db, birth.flag_id)).history;
      expect(birthHistory.find((e) => e.action === 'resolved')?.detail).toMatchObject({
        corrected: { holder_birth_date: '****-**-**' },
      });
      const trail = await storage.db
        .selectFrom('audit_trail')
        .select(['action', 'detail'])
        .where('action', 'in', ['flag.resolved', 'flag.verified'])
        .execute();
      expect(trail).toHaveLength(4);
      const everything = [
        JSON.stringify(history),
        JSON.stringify(birthHistory),
        JSON.stringify(trail),
        ...outputs,
      ];
      for (const text of everything) for (const value of clear) expect(text).not.toContain(value);
      // Written as the ingest would have stored the half-width value.
      const customers = await storage.db
        .selectFrom('customers')
        .select(['record_id', 'pii', 'holder_phone_masked', 'holder_birth_date'])
        .where('record_id', 'in', ['W1', 'W2'])
        .orderBy('record_id')
        .execute();
      expect(decryptJson<Record<string, string>>(ctx.keyring, customers[0]!.pii).holder_phone).toBe(
        '13912345678',
      );
      expect(customers[0]!.holder_phone_masked).toBe('139****5678');
      expect(customers[1]!.holder_birth_date).toBe('1976-06-16');
    });

    it('holds a correction folded, as the archive stores it, and shows it masked only', async () => {
      // An ID number whose check character is X, typed full-width with a lower-case x, with spaces.
      const seqX = Array.from({ length: 200 }, (_, i) => 2 * i + 1).find((n) =>
        makeId('1980-05-06', n).endsWith('X'),
      )!;
      const idX = makeId('1980-05-06', seqX);
      const typed = ` ${idX.slice(0, -1).replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0))}ｘ `;
      const wrong = `${idX.slice(0, -1)}${idX.endsWith('0') ? '1' : '0'}`;
      await ingest([cleanRow('H1', { holder_id_number: wrong })]);
      const flag = await flagOf('H1', 'ID_CHECKSUM');
      const cli = (actor: string, ...argv: string[]) =>
        runCli(runFlagsCommand, { ...ctx, config: { ...ctx.config, actor } }, argv);
      const resolved = await cli(
        'inv1',
        'resolve',
        String(flag.flag_id),
        '--outcome',
        'corrected',
        '--set',
        `holder_id_number=${typed}`,
        '--note',
        '更正',
      );
      expect(resolved.code, resolved.stderr).toBe(0);
      // Held in the form the archive stores: half-width, trimmed, upper-case X.
      const held = decryptJson<{ values: Record<string, string> }>(
        ctx.keyring,
        (await heldOf(flag.flag_id))!,
      );
      expect(held.values).toEqual({ holder_id_number: idX });
      const shown = [
        await cli('sup1', 'show', String(flag.flag_id)),
        await cli('sup1', 'show', String(flag.flag_id), '--json'),
      ];
      const detail = await getFlagDetail(storage.db, flag.flag_id);
      expect(detail.pendingCorrection).toEqual({ holder_id_number: maskIdNumber(idX) });
      const trail = await storage.db.selectFrom('audit_trail').select('detail').execute();
      const everything = [
        ...shown.flatMap((r) => [r.stdout, r.stderr]),
        resolved.stdout,
        resolved.stderr,
        JSON.stringify(detail),
        JSON.stringify(trail),
      ];
      for (const text of everything) {
        for (const v of [idX, idX.slice(0, -1), typed.trim()]) expect(text).not.toContain(v);
      }
      const verified = await cli('sup1', 'verify', String(flag.flag_id));
      expect(verified.code, verified.stderr).toBe(0);
      const c = await storage.db
        .selectFrom('customers')
        .select('pii')
        .where('record_id', '=', 'H1')
        .executeTakeFirstOrThrow();
      expect(decryptJson<Record<string, string>>(ctx.keyring, c.pii).holder_id_number).toBe(idX);
    });

    it('accepts a warning on a corrected field only when the reviewer names it, and records who did', async () => {
      // A card failing Luhn, corrected to the card of the account the premiums come from: in the
      // name of the holder's relative (BANK_ACCOUNT_HOLDER_MISMATCH, a warning the reviewer confirmed).
      await ingest([cleanRow('B1', { bank_account: '6222021234567890124' })]);
      const flag = await flagOf('B1', 'BANK_ACCOUNT_LUHN');
      const id = String(flag.flag_id);
      const card = luhn('622202765432101');
      const cli = (actor: string, ...argv: string[]) =>
        runCli(runFlagsCommand, { ...ctx, config: { ...ctx.config, actor } }, argv);
      const resolveCli = (...extra: string[]) =>
        cli(
          'inv1',
          'resolve',
          id,
          '--outcome',
          'corrected',
          '--set',
          `bank_account=${card}`,
          '--set',
          'bank_account_name=李秀英',
          '--note',
          '客户确认：其母亲的账户',
          ...extra,
        );
      const outputs: string[] = [];
      // Without the option: refused, saying how it may be accepted.
      const refused = await resolveCli();
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(
        'the corrected record still fails BANK_ACCOUNT_HOLDER_MISMATCH (bank_account_name): ',
      );
      expect(refused.stderr).toContain('--accept-warning BANK_ACCOUNT_HOLDER_MISMATCH');
      // A warning the corrected fields do not have is not accepted blindly; an unknown rule is bad usage.
      const other = await resolveCli(
        '--accept-warning',
        'BANK_ACCOUNT_HOLDER_MISMATCH',
        '--accept-warning',
        'ID_REGION',
      );
      expect(other.code).toBe(1);
      expect(other.stderr).toContain(
        'the accepted warning ID_REGION is not a warning of the corrected fields',
      );
      expect((await resolveCli('--accept-warning', 'NO_SUCH_RULE')).code).toBe(2);
      const genuine = await cli(
        'inv1',
        'resolve',
        id,
        '--outcome',
        'genuine',
        '--note',
        'x',
        '--accept-warning',
        'ID_REGION',
      );
      expect(genuine.code).toBe(2);
      expect(genuine.stderr).toContain(
        '--accept-warning accepts a warning on corrected values: it goes with --outcome corrected',
      );
      // An error is never accepted, even when named.
      await expect(
        resolve(flag.flag_id, { bank_account: '12345' }, 'inv1', ['BANK_ACCOUNT_FORMAT']),
      ).rejects.toMatchObject({
        code: 'CORRECTION_INVALID',
        message: expect.stringMatching(
          /still fails BANK_ACCOUNT_FORMAT \(bank_account\): .*\(an error: it cannot be accepted\)$/,
        ),
      });
      expect(await heldOf(flag.flag_id)).toBeNull();
      outputs.push(refused.stdout, refused.stderr, other.stdout, other.stderr);

      // With it: held, and the history says who accepted which warning, and when.
      const accepted = await resolveCli('--accept-warning', 'bank_account_holder_mismatch');
      expect(accepted.code, accepted.stderr).toBe(0);
      expect(accepted.stdout + accepted.stderr).toContain('warnings accepted: BANK_ACCOUNT_HOLDER_MISMATCH');
      expect(await heldOf(flag.flag_id)).not.toBeNull();
      const verified = await cli('sup1', 'verify', id);
      expect(verified.code, verified.stderr).toBe(0);
      const shown = await cli('sup1', 'show', id);
      outputs.push(
        accepted.stdout,
        accepted.stderr,
        verified.stdout,
        verified.stderr,
        shown.stdout,
        shown.stderr,
      );
      const { history } = await getFlagDetail(storage.db, flag.flag_id);
      const resolvedEvent = history.find((e) => e.action === 'resolved');
      expect(resolvedEvent).toMatchObject({
        actor: 'inv1',
        detail: { accepted_warnings: ['BANK_ACCOUNT_HOLDER_MISMATCH'], correction: 'pending_verification' },
      });
      expect(resolvedEvent?.at).toBeTruthy();
      expect(history.find((e) => e.action === 'verified')).toMatchObject({
        actor: 'sup1',
        detail: { accepted_warnings: ['BANK_ACCOUNT_HOLDER_MISMATCH'], correction: 'applied' },
      });
      expect(shown.stdout + shown.stderr).toContain('accepted_warnings ["BANK_ACCOUNT_HOLDER_MISMATCH"]');
      const trail = await storage.db
        .selectFrom('audit_trail')
        .select('detail')
        .where('action', '=', 'flag.resolved')
        .executeTakeFirstOrThrow();
      expect(trail.detail).toMatchObject({ accepted_warnings: ['BANK_ACCOUNT_HOLDER_MISMATCH'] });
      for (const text of [...outputs, JSON.stringify(history)]) {
        for (const v of [card, '李秀英', '6222021234567890124']) expect(text).not.toContain(v);
      }
      expect((await flagOf('B1', 'BANK_ACCOUNT_LUHN')).status).toBe('closed');
    });

    it("never accepts the flag's own finding by a correction", async () => {
      await ingest([cleanRow('B2', { holder_phone: '13800138000' })]);
      const flag = await flagOf('B2', 'PHONE_PLACEHOLDER');
      await expect(
        resolve(flag.flag_id, { holder_phone: '13900000000' }, 'inv1', ['PHONE_PLACEHOLDER']),
      ).rejects.toMatchObject({
        code: 'CORRECTION_INVALID',
        message: expect.stringMatching(
          /still fails PHONE_PLACEHOLDER .*the flag's own finding: it cannot be accepted/,
        ),
      });
    });

    it('masks corrected birth dates in the history, and counts " Inv1" as inv1 for four eyes', async () => {
      await ingest([cleanRow('K6', { holder_id_number: id1980, holder_birth_date: '1981-01-01' })]);
      const flag = await flagOf('K6', 'ID_BIRTHDATE_MISMATCH');
      await resolve(flag.flag_id, { holder_birth_date: '1980-05-06' });
      const { history } = await getFlagDetail(storage.db, flag.flag_id);
      expect(JSON.stringify(history)).not.toContain('1980-05-06');
      expect(JSON.stringify(history)).toContain('****-**-**');
      const correction = { keyring: ctx.keyring, codec: correctionCodec(ctx) };
      for (const actor of ['INV1', ' inv1 ']) {
        await expect(verifyFlag(storage.db, flag.flag_id, { actor }, correction)).rejects.toMatchObject({
          code: 'FOUR_EYES',
        });
      }
      await verifyFlag(storage.db, flag.flag_id, { actor: 'sup1' }, correction);
      expect((await flagOf('K6', 'ID_BIRTHDATE_MISMATCH')).status).toBe('closed');
    });
  });
}
