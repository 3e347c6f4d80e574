import { type CustodianContext, type Flag, resolveFlag, type Storage, verifyFlag } from '@custodian/core';
import { testBackends, useTestStorage } from '@custodian/core/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { correctionCodec } from './review/apply-correction.js';
import { runIngest } from './run-ingest.js';
import { cleanRow, makeId, openTestContext, type Row, tempDir, writeCsv } from './testing/fixtures.js';

/**
 * A file that carries a record exactly as a verified correction left it changes nothing (user
 * review: it counted as updated, because the correction rebuilt the record from what the archive
 * stores, 女 as F and 2026/11/01 as 2026-11-01, and the content hash was taken over the file's
 * text; the changed hash then refused every correction still held on the record).
 */
for (const backend of testBackends()) {
  describe(`a file after a verified correction, on ${backend.name}`, () => {
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
    const ingest = async (rows: Row[]) => {
      n++;
      const s = await runIngest(ctx, {
        files: [writeCsv(dir, `c${n}.csv`, rows)],
        date: '2026-11-20',
        workers: 0,
      });
      return s!.files[0]!;
    };
    const flagOf = (recordId: string, rule: string): Promise<Flag> =>
      storage.db
        .selectFrom('flags')
        .selectAll()
        .where('record_id', '=', recordId)
        .where('rule', '=', rule)
        .executeTakeFirstOrThrow();
    const codec = () => ({ keyring: ctx.keyring, codec: correctionCodec(ctx) });
    const resolve = (flag: Flag, corrected: Record<string, string>) =>
      resolveFlag(
        storage.db,
        flag.flag_id,
        { actor: 'inv1', outcome: 'corrected', note: '更正', corrected },
        codec(),
      );

    it("keeps the insured's ID type: a correction still finds the ID number of the wrong type", async () => {
      // A resident ID number under the type 港澳台居民居住证 (ID_FORMAT): a correction of the phone rebuilt the
      // record without the type, found nothing wrong with the number, and closed its flag.
      await ingest([
        cleanRow('H2', {
          holder_phone: '15412345679',
          insured_name: '张小明',
          insured_gender: '男',
          insured_birth_date: '2010-02-02',
          insured_id_type: '港澳台居民居住证',
          insured_id_number: makeId('2010-02-02', 27),
        }),
      ]);
      const idType = await flagOf('H2', 'ID_FORMAT');
      expect(idType.masked_values).toHaveProperty('insured_id_number');
      const phone = await flagOf('H2', 'PHONE_FORMAT');
      await resolve(phone, { holder_phone: '13912340779' });
      await verifyFlag(storage.db, phone.flag_id, { actor: 'sup1' }, codec());
      expect(await flagOf('H2', 'ID_FORMAT')).toMatchObject({ status: 'open', outcome: null });
    });

    it('counts the record unchanged, and a correction held on it can still be verified', async () => {
      // The forms the archive stores otherwise: genders as 女/男, dates with slashes, no
      // secrecy_level column (stored as 普通); and the insured's ID type, which has no column.
      const row = cleanRow('H1', {
        holder_gender: '女',
        holder_id_number: makeId('1980-05-06', 22),
        holder_birth_date: '1980/05/06',
        holder_phone: '15412345678',
        bank_account_name: '李四',
        insured_name: '张小明',
        insured_gender: '男',
        insured_birth_date: '2010/02/02',
        insured_id_type: '居民身份证',
        insured_id_number: makeId('2010-02-02', 25),
        sign_date: '2026/11/01',
      });
      expect(await ingest([row])).toMatchObject({ recordsInserted: 1 });
      const account = await flagOf('H1', 'BANK_ACCOUNT_HOLDER_MISMATCH');
      const phone = await flagOf('H1', 'PHONE_FORMAT');

      await resolve(account, { bank_account_name: '张三明' });
      await verifyFlag(storage.db, account.flag_id, { actor: 'sup1' }, codec());
      await resolve(phone, { holder_phone: '13912340777' });

      // The next export carries the corrected name: the record is as the correction left it.
      const corrected = { ...row, bank_account_name: '张三明' };
      expect(await ingest([corrected])).toMatchObject({
        recordsInserted: 0,
        recordsUpdated: 0,
        recordsUnchanged: 1,
      });
      await verifyFlag(storage.db, phone.flag_id, { actor: 'sup1' }, codec());
      expect(await flagOf('H1', 'PHONE_FORMAT')).toMatchObject({ status: 'closed', outcome: 'corrected' });
      const customer = await storage.db
        .selectFrom('customers')
        .select(['holder_phone_masked', 'holder_gender', 'sign_date', 'secrecy_level'])
        .where('record_id', '=', 'H1')
        .executeTakeFirstOrThrow();
      expect(customer).toEqual({
        holder_phone_masked: '139****0777',
        holder_gender: 'F',
        sign_date: '2026-11-01',
        secrecy_level: '普通',
      });
      // And the file carrying both corrections is the record too.
      expect(await ingest([{ ...corrected, holder_phone: '13912340777' }])).toMatchObject({
        recordsUpdated: 0,
        recordsUnchanged: 1,
      });
      // While a file that changes a value still updates it.
      expect(await ingest([{ ...corrected, holder_phone: '13912340778' }])).toMatchObject({
        recordsUpdated: 1,
        recordsUnchanged: 0,
      });
    });
  });
}
