import type { CustodianContext, Storage } from '@custodian/core';
import { clearTables, testBackends } from '@custodian/core/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIngest } from './run-ingest.js';
import { cleanRow, makeId, openTestContext, tempDir, writeCsv } from './testing/fixtures.js';

/**
 * A big night raises its flags into a table without the flags' lookup indexes and keys, then
 * restores them (merge-batch's `dropFlagIndexesAndKeys`): the flags must be those of a night that
 * updates the indexes row by row, and the indexes and keys must be back, keys enforced.
 */
for (const backend of testBackends()) {
  describe(`flags of a big night on ${backend.name}`, () => {
    let storage: Storage;
    let dir: string;

    beforeAll(async () => {
      storage = await backend.open();
      dir = tempDir();
    });
    afterAll(async () => {
      await storage?.close();
    });

    /** Index definitions and foreign keys of the flags and their history. */
    const schemaOfFlags = async () =>
      (
        await sql<{ def: string }>`
          select pg_get_indexdef(indexrelid) as def from pg_index
          where indrelid in ('flags'::regclass, 'flag_events'::regclass)
          union all
          select conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) from pg_constraint
          where contype = 'f' and conrelid in ('flags'::regclass, 'flag_events'::regclass)
          order by 1`.execute(storage.db)
      ).rows.map((r) => r.def);

    // Night one: defects and a shared phone. Night two: as many records again (half the archive
    // or more), correcting one, sharing a bank account with night one, and new defects.
    const shared = cleanRow('F1');
    const nights = [
      [
        shared,
        cleanRow('F2', { holder_phone: shared.holder_phone!, holder_id_number: makeId('1981-02-03', 931) }),
        cleanRow('F3', { consent: '否' }),
        cleanRow('F4', { holder_gender: '女' }),
      ],
      [
        cleanRow('F3'),
        cleanRow('F5', { bank_account: shared.bank_account!, holder_id_number: makeId('1982-03-04', 933) }),
        cleanRow('F6', { holder_address: '' }),
        cleanRow('F7', { consent: '否' }),
      ],
    ];

    async function ingestNights(ctx: CustodianContext, tag: string) {
      const rebuilt: number[] = [];
      for (const [i, rows] of nights.entries()) {
        const s = await runIngest(ctx, {
          files: [writeCsv(dir, `${tag}${i}.csv`, rows)],
          date: '2026-11-20',
          workers: 0,
        });
        expect(s!.files[0]!.status).toBe('done');
        rebuilt.push(s!.files[0]!.flagIndexesRebuilt ?? -1);
      }
      const flags = await storage.db
        .selectFrom('flags')
        .select(['record_id', 'rule', 'status', 'related_record_ids', 'listed_on', 'due_on'])
        .execute();
      const events = await storage.db
        .selectFrom('flag_events')
        .innerJoin('flags', 'flags.flag_id', 'flag_events.flag_id')
        .select(['flags.record_id', 'flags.rule', 'flag_events.action'])
        .execute();
      return {
        rebuilt,
        flags: flags.map((f) => JSON.stringify(f)).sort(),
        events: events.map((e) => `${e.record_id}:${e.rule}:${e.action}`).sort(),
      };
    }

    it('gives the flags and history of row-by-row updates, and restores indexes and keys', async () => {
      await clearTables(storage);
      const before = await schemaOfFlags();
      const rowByRow = await ingestNights(await openTestContext(storage, dir), 'rows');
      expect(rowByRow.rebuilt).toEqual([0, 0]);

      await clearTables(storage);
      const ctx = await openTestContext(storage, dir, { ingest: { rebuildIndexesFrom: 1 } });
      const rebuilt = await ingestNights(ctx, 'rebuilt');
      // Every lookup index of the flags and the two keys (flags to customers, history to flags).
      const expected = await sql<{ n: number }>`
        select (select count(*) from pg_index where indrelid = 'flags'::regclass and not indisunique and not indisprimary)::int
             + (select count(*) from pg_constraint where contype = 'f' and (conrelid = 'flags'::regclass or confrelid = 'flags'::regclass))::int as n`.execute(
        storage.db,
      );
      expect(expected.rows[0]!.n).toBeGreaterThanOrEqual(3);
      expect(rebuilt.rebuilt[0]).toBe(expected.rows[0]!.n);
      expect(rebuilt.rebuilt[1]).toBe(rebuilt.rebuilt[0]);
      expect(rebuilt.flags).toEqual(rowByRow.flags);
      expect(rebuilt.events).toEqual(rowByRow.events);
      expect(rebuilt.flags.some((f) => f.includes('"DUP_BANK_ACCOUNT"'))).toBe(true);
      expect(rebuilt.events).toContain('F3:CONSENT_MISSING:auto_closed');
      expect(await schemaOfFlags()).toEqual(before);

      // The keys are enforced again: history of a flag that does not exist is refused.
      await expect(
        sql`insert into flag_events (flag_id, actor, action, detail) values (-1, 'test', 'note', '{}'::jsonb)`.execute(
          storage.db,
        ),
      ).rejects.toThrow(/foreign key/);
    });

    it.skipIf(backend.name !== 'postgres')(
      'inserts the flags row by row when a reader holds them past the wait',
      async () => {
        await clearTables(storage);
        const ctx = await openTestContext(storage, dir, {
          ingest: { rebuildIndexesFrom: 1, rebuildLockWaitSeconds: 0.3 },
        });
        // The console reading the review list in a long transaction (another connection).
        const reader = await storage.pool!.connect();
        try {
          await reader.query('begin');
          await reader.query('select count(*) from flags');
          const s = await runIngest(ctx, {
            files: [writeCsv(dir, 'busy.csv', nights[0]!)],
            date: '2026-11-20',
            workers: 0,
          });
          expect(s!.files[0]).toMatchObject({ status: 'done', flagIndexesRebuilt: 0 });
          expect(s!.files[0]!.indexesRebuilt).toBeGreaterThan(0);
          expect(s!.files[0]!.flagsRaised).toBeGreaterThan(0);
        } finally {
          await reader.query('commit');
          reader.release();
        }
      },
    );
  });
}
