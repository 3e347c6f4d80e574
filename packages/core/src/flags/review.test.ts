import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { decryptJson, encryptJson } from '../crypto/cipher.js';
import { CustodianError } from '../errors.js';
import type { Storage } from '../storage/connect.js';
import { testBackends, testKeyring } from '../testing/test-storage.js';
import { useTestStorage } from '../testing/vitest-hooks.js';
import { getFlagDetail, listFlags } from './query.js';
import { type CorrectionCodec, resolveFlag, sameActor, sendBackFlag, verifyFlag } from './review.js';

/**
 * Four eyes on a correction (002 §3.13): a `corrected` outcome is checked at resolve, held on the
 * flag encrypted, written to the record only by the verification and discarded by a send-back.
 * The codec here writes the phone's masked column of the real `customers` row, so that what
 * reached the record, and when, can be read back; apps/ingest's real codec is tested there.
 */
const keyring = testKeyring();
const CLEAR = '13987650000';

interface Calls {
  check: Record<string, string>[];
  write: Record<string, string>[];
}

function testCodec(calls: Calls, opts: { refuseWrite?: boolean } = {}): CorrectionCodec {
  const masked = (v: Record<string, string>) =>
    Object.fromEntries(Object.entries(v).map(([k, x]) => [k, `${x.slice(0, 3)}****${x.slice(-4)}`]));
  return {
    async check(_trx, _flag, values) {
      calls.check.push(values);
      if (values.holder_phone === '12')
        throw new CustodianError('CORRECTION_INVALID', 'the corrected record still fails PHONE_FORMAT');
      return masked(values);
    },
    async write(trx, flag, values) {
      calls.write.push(values);
      await trx
        .updateTable('customers')
        .set({ holder_phone_masked: masked(values).holder_phone ?? null })
        .where('customer_id', '=', flag.customer_id)
        .execute();
      // Written, then refused: the verification's transaction must take the write back.
      if (opts.refuseWrite)
        throw new CustodianError('CORRECTION_INVALID', 'the corrected record still fails ID_GENDER_MISMATCH');
      return { masked: masked(values), settled: [] };
    },
  };
}

describe('four eyes: who is the same person', () => {
  it('takes a name typed with spaces, in another width or case, as the same person', () => {
    expect(sameActor('王小明', '王 小明')).toBe(true);
    expect(sameActor('王小明', ' 王\u3000小明 ')).toBe(true);
    expect(sameActor('alice', 'ＡＬＩＣＥ')).toBe(true);
    expect(sameActor('Li Na', 'lina')).toBe(true);
    expect(sameActor('王小明', '王小红')).toBe(false);
    expect(sameActor('alice', 'alicia')).toBe(false);
  });
});

for (const backend of testBackends()) {
  describe(`flag review on ${backend.name}`, () => {
    let storage: Storage;
    let flagId: number;
    let calls: Calls;
    useTestStorage(backend, (s) => {
      storage = s;
    });
    beforeEach(async () => {
      calls = { check: [], write: [] };
      const { batch_id } = await storage.db
        .insertInto('batches')
        .values({
          file_name: 'a.csv',
          file_sha256: 'x',
          status: 'done',
          profile: 'insurance',
          ingested_on: '2026-11-20',
        })
        .returning('batch_id')
        .executeTakeFirstOrThrow();
      const { customer_id } = await storage.db
        .insertInto('customers')
        .values({
          record_id: 'R1',
          archive_no: null,
          customer_type: null,
          customer_class: null,
          channel: '个险',
          branch: null,
          agent_id: null,
          contract_no: null,
          sign_date: null,
          consent: null,
          secrecy_level: '普通',
          holder_gender: null,
          holder_birth_date: null,
          holder_id_type: null,
          insured_gender: null,
          insured_birth_date: null,
          pii: encryptJson(keyring, { holder_phone: '15412345678' }),
          holder_phone_masked: '154****5678',
          row_hash: Buffer.from([1]),
          first_batch_id: batch_id,
          last_batch_id: batch_id,
          retention_until: null,
        })
        .returning('customer_id')
        .executeTakeFirstOrThrow();
      const statuses = ['open', 'assigned', 'resolved', 'closed'] as const;
      const ids = [];
      for (const [i, status] of statuses.entries()) {
        const f = await storage.db
          .insertInto('flags')
          .values({
            fingerprint: `fp${i}`,
            rule: 'PHONE_FORMAT',
            severity: 'error',
            customer_id,
            record_id: 'R1',
            archive_no: null,
            batch_id,
            reason_zh: '手机号段154未分配',
            reason_en: 'mobile segment 154 is not allocated',
            status,
            outcome: status === 'resolved' || status === 'closed' ? 'dismissed' : null,
            channel: '个险',
            branch: null,
            agent_id: null,
            assignee: status === 'assigned' ? '个险渠道' : null,
            subject_bidx: null,
            attributed_to: null,
            resolved_by: null,
            resolved_at: null,
            listed_on: '2026-11-23',
            due_on: '2026-11-26',
            closed_at: null,
          })
          .returning('flag_id')
          .executeTakeFirstOrThrow();
        ids.push(f.flag_id);
      }
      flagId = ids[0]!;
    });

    const phoneInRecord = async () =>
      (
        await storage.db
          .selectFrom('customers')
          .select('holder_phone_masked')
          .where('record_id', '=', 'R1')
          .executeTakeFirstOrThrow()
      ).holder_phone_masked;
    const flagRow = () =>
      storage.db.selectFrom('flags').selectAll().where('flag_id', '=', flagId).executeTakeFirstOrThrow();
    const lastEvent = async () =>
      (
        await storage.db
          .selectFrom('flag_events')
          .select(['action', 'detail'])
          .where('flag_id', '=', flagId)
          .orderBy('event_id', 'desc')
          .limit(1)
          .executeTakeFirstOrThrow()
      ).detail as Record<string, unknown>;
    const resolveCorrected = (codec: CorrectionCodec, phone = CLEAR) =>
      resolveFlag(
        storage.db,
        flagId,
        { actor: 'inv1', outcome: 'corrected', note: '客户来电更正', corrected: { holder_phone: phone } },
        { keyring, codec },
      );

    it('holds a correction at resolve, encrypted, without touching the record', async () => {
      await expect(
        resolveFlag(storage.db, flagId, {
          actor: 'inv1',
          outcome: 'corrected',
          note: 'x',
          corrected: { holder_phone: CLEAR },
        }),
      ).rejects.toMatchObject({ code: 'CORRECTION_UNSUPPORTED' });
      // A value the codec refuses is refused at resolve, to the investigator, and nothing is held.
      await expect(resolveCorrected(testCodec(calls), '12')).rejects.toMatchObject({
        code: 'CORRECTION_INVALID',
      });
      expect(await flagRow()).toMatchObject({ status: 'open', pending_correction: null });

      const f = await resolveCorrected(testCodec(calls));
      expect(calls.check).toEqual([{ holder_phone: '12' }, { holder_phone: CLEAR }]);
      expect(calls.write).toEqual([]);
      expect(await phoneInRecord()).toBe('154****5678');
      expect(f).toMatchObject({ status: 'resolved', outcome: 'corrected' });
      const row = await flagRow();
      expect(decryptJson(keyring, row.pending_correction!)).toMatchObject({
        values: { holder_phone: CLEAR },
      });
      // Not in clear anywhere in the flags row, nor in its history.
      expect(Buffer.from(row.pending_correction!).includes(CLEAR)).toBe(false);
      const text = await sql<{
        t: string;
      }>`select f::text as t from flags f where flag_id = ${flagId}`.execute(storage.db);
      expect(text.rows[0]!.t).not.toContain(CLEAR);
      expect(text.rows[0]!.t).not.toContain(Buffer.from(CLEAR).toString('hex'));
      expect(await lastEvent()).toMatchObject({
        outcome: 'corrected',
        correction: 'pending_verification',
        corrected: { holder_phone: '139****0000' },
      });
      const detail = await getFlagDetail(storage.db, flagId);
      expect(detail.pendingCorrection).toEqual({ holder_phone: '139****0000' });
      expect(JSON.stringify(detail.history)).not.toContain(CLEAR);
    });

    it('writes the held correction when a second person verifies it, in the verifying transaction', async () => {
      await resolveCorrected(testCodec(calls));
      await expect(
        verifyFlag(storage.db, flagId, { actor: 'inv1' }, { keyring, codec: testCodec(calls) }),
      ).rejects.toMatchObject({ code: 'FOUR_EYES' });
      await expect(verifyFlag(storage.db, flagId, { actor: 'sup1' })).rejects.toMatchObject({
        code: 'CORRECTION_UNSUPPORTED',
      });
      expect(calls.write).toEqual([]);
      expect(await phoneInRecord()).toBe('154****5678');

      const closed = await verifyFlag(
        storage.db,
        flagId,
        { actor: 'sup1' },
        { keyring, codec: testCodec(calls) },
      );
      expect(calls.write).toEqual([{ holder_phone: CLEAR }]);
      expect(await phoneInRecord()).toBe('139****0000');
      expect(closed).toMatchObject({ status: 'closed', outcome: 'corrected', pending_correction: null });
      expect(await lastEvent()).toMatchObject({
        outcome: 'corrected',
        correction: 'applied',
        corrected: { holder_phone: '139****0000' },
      });
      expect((await getFlagDetail(storage.db, flagId)).pendingCorrection).toBeNull();
    });

    it('refuses a verification whose correction no longer applies, changing nothing', async () => {
      await resolveCorrected(testCodec(calls));
      await expect(
        verifyFlag(
          storage.db,
          flagId,
          { actor: 'sup1' },
          { keyring, codec: testCodec(calls, { refuseWrite: true }) },
        ),
      ).rejects.toMatchObject({
        code: 'CORRECTION_NO_LONGER_APPLIES',
        message: expect.stringMatching(/no longer apply.*ID_GENDER_MISMATCH.*send it back/),
      });
      expect(calls.write).toHaveLength(1);
      // The codec's write was taken back with the transaction; the flag still awaits verification.
      expect(await phoneInRecord()).toBe('154****5678');
      const row = await flagRow();
      expect(row.status).toBe('resolved');
      expect(decryptJson(keyring, row.pending_correction!)).toMatchObject({
        values: { holder_phone: CLEAR },
      });
    });

    it('discards the held correction when the outcome is sent back or replaced', async () => {
      await resolveCorrected(testCodec(calls));
      const back = await sendBackFlag(storage.db, flagId, { actor: 'sup1', note: '请附来电记录' });
      expect(back).toMatchObject({ status: 'open', outcome: null, pending_correction: null });
      expect(await phoneInRecord()).toBe('154****5678');
      expect(await lastEvent()).toMatchObject({
        previous_outcome: 'corrected',
        correction: 'discarded',
        corrected: { holder_phone: '139****0000' },
      });
      expect((await getFlagDetail(storage.db, flagId)).pendingCorrection).toBeNull();

      // Resolved again as genuine: a correction held by the earlier resolve goes too.
      await resolveCorrected(testCodec(calls));
      await resolveFlag(storage.db, flagId, { actor: 'inv1', outcome: 'genuine', note: '号码属实' });
      expect(await flagRow()).toMatchObject({ outcome: 'genuine', pending_correction: null });
      expect(await lastEvent()).toMatchObject({ outcome: 'genuine', previous_correction: 'discarded' });
      await verifyFlag(storage.db, flagId, { actor: 'sup1' });
      expect(calls.write).toEqual([]);
      expect(await phoneInRecord()).toBe('154****5678');
    });

    it('lists one status, several, or every one', async () => {
      const statuses = async (status?: string | readonly string[]) =>
        (await listFlags(storage.db, status === undefined ? {} : { status })).flags
          .map((f) => f.status)
          .sort();
      expect(await statuses()).toEqual(['assigned', 'closed', 'open', 'resolved']);
      expect(await statuses('open')).toEqual(['open']);
      expect(await statuses(['open', 'assigned', 'resolved'])).toEqual(['assigned', 'open', 'resolved']);
    });
  });
}
