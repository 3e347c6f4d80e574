import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAuditTrail, verifyAuditTrail } from '../audit-trail.js';
import { bindKeyring } from '../crypto/bind-keyring.js';
import { clearTables, testBackends, testKeyring } from '../testing/test-storage.js';
import { withAdvisoryLock } from './advisory-lock.js';
import { copyRows } from './bulk-copy.js';
import type { Storage } from './connect.js';

for (const backend of testBackends()) {
  describe(`storage on ${backend.name}`, () => {
    let storage: Storage;
    beforeAll(async () => {
      storage = await backend.open();
    });
    afterAll(async () => {
      await storage?.close();
    });

    it('returns dates as text and counts as numbers on both drivers', async () => {
      await clearTables(storage);
      await storage.db
        .insertInto('batches')
        .values({
          file_name: 'a.csv',
          file_sha256: 'x',
          status: 'done',
          profile: 'insurance',
          ingested_on: '2026-02-28',
        })
        .execute();
      const row = await storage.db
        .selectFrom('batches')
        .select(['ingested_on', 'batch_id'])
        .executeTakeFirstOrThrow();
      expect(row.ingested_on).toBe('2026-02-28');
      const { n } = await storage.db
        .selectFrom('batches')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(n).toBe(1);
    });

    it('bulk-copies text with tabs, newlines, backslashes, bytes, arrays and nulls', async () => {
      await clearTables(storage);
      const [b] = await storage.db
        .insertInto('batches')
        .values({
          file_name: 'a.csv',
          file_sha256: 'y',
          status: 'running',
          profile: 'insurance',
          ingested_on: '2026-11-20',
        })
        .returning('batch_id')
        .execute();
      const bytes = new Uint8Array([0, 1, 254, 255]);
      const n = await copyRows(
        storage,
        'quarantine',
        ['batch_id', 'file_name', 'line', 'column_name', 'reason', 'raw'],
        [
          [b!.batch_id, 'x\ty.csv', 3, null, 'bad\\quote\n"here"', bytes],
          [b!.batch_id, '客户.csv', 4, 'holder_phone', '中文原因', null],
        ],
      );
      expect(n).toBe(2);
      const rows = await storage.db.selectFrom('quarantine').selectAll().orderBy('line').execute();
      expect(rows.map((r) => [r.file_name, r.column_name, r.reason])).toEqual([
        ['x\ty.csv', null, 'bad\\quote\n"here"'],
        ['客户.csv', 'holder_phone', '中文原因'],
      ]);
      expect(Array.from(rows[0]!.raw!)).toEqual([0, 1, 254, 255]);
    });

    it('refuses updates and deletes of the audit trail, and detects tampering', async () => {
      await clearTables(storage);
      await appendAuditTrail(storage.db, {
        actor: 'alice',
        action: 'reveal',
        targetType: 'customer',
        targetId: '42',
        detail: { reason: '核查', z: 1, a: [1, 2] },
      });
      await appendAuditTrail(storage.db, {
        actor: 'bob',
        action: 'resolve',
        targetType: 'flag',
        targetId: '7',
      });
      expect(await verifyAuditTrail(storage.db)).toEqual({ ok: true, checked: 2 });
      await expect(sql`update audit_trail set actor = 'mallory'`.execute(storage.db)).rejects.toThrow(
        /append-only/,
      );
      await expect(sql`delete from audit_trail`.execute(storage.db)).rejects.toThrow(/append-only/);
      // Tampering behind the trigger's back (as a superuser could) is still detected by the chain.
      await sql`alter table audit_trail disable trigger audit_trail_append_only`.execute(storage.db);
      await sql`update audit_trail set actor = 'mallory' where seq = 1`.execute(storage.db);
      await sql`alter table audit_trail enable trigger audit_trail_append_only`.execute(storage.db);
      const v = await verifyAuditTrail(storage.db);
      expect(v.ok).toBe(false);
      expect(v.brokenAt).toBe(1);
    });

    it('checks the master key against the database', async () => {
      await clearTables(storage);
      const first = await bindKeyring(storage, testKeyring('k1', 1));
      expect(first.indexKeyId).toBe('k1');
      await expect(bindKeyring(storage, testKeyring('k1', 2))).rejects.toThrow(/does not match/);
      await expect(bindKeyring(storage, testKeyring('k2', 2))).rejects.toThrow(
        /"k1", which is not configured/,
      );
    });

    it('never runs a locked job twice at once', async () => {
      let inside = 0;
      let maxInside = 0;
      const job = () =>
        withAdvisoryLock(storage, 'nightly-test', async () => {
          inside++;
          maxInside = Math.max(maxInside, inside);
          await new Promise((r) => setTimeout(r, 50));
          inside--;
          return 'ran';
        });
      const results = await Promise.all([job(), job()]);
      expect(results.filter((r) => r.acquired)).toHaveLength(1);
      expect(maxInside).toBe(1);
      expect((await job()).acquired).toBe(true);
    });

    it('keeps the advisory locks of two archives apart (another schema, another database file)', async () => {
      const other = await backend.open();
      try {
        const inner = await withAdvisoryLock(storage, 'nightly-test', () =>
          withAdvisoryLock(other, 'nightly-test', async () => 'ran'),
        );
        expect(inner).toEqual({ acquired: true, result: { acquired: true, result: 'ran' } });
      } finally {
        await other.close();
      }
    });
  });
}
