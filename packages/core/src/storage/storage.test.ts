import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAuditTrail, verifyAuditTrail } from '../audit-trail.js';
import { CUSTOMER_DATA_TYPES } from '../batches/merge-batch.js';
import { bindKeyring } from '../crypto/bind-keyring.js';
import { clearTables, testBackends, testKeyring } from '../testing/test-storage.js';
import { withAdvisoryLock } from './advisory-lock.js';
import {
  type CopyBinaryType,
  CopyBinaryWriter,
  type CopyValue,
  copyRows,
  openCopyStream,
} from './bulk-copy.js';
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

    it('binary COPY stores the same values as text COPY, over several writes', async () => {
      const types: CopyBinaryType[] = ['text', 'bytea', 'int4', 'date', 'jsonb', 'text'];
      const columns = ['t', 'b', 'i', 'd', 'j', 'n'];
      const ddl = 't text, b bytea, i int4, d date, j jsonb, n text';
      for (const table of ['copy_text', 'copy_binary'])
        await sql.raw(`create table ${table} (${ddl})`).execute(storage.db);
      try {
        const texts = ['', 'a', '张三', 'x\ty\nz\\', '𠈌字', '\ud800 lone', 'é€', '"{,}"'];
        const dates = ['2000-01-01', '1999-12-31', '0001-01-01', '2024-02-29', '9999-12-31', '1970-01-01'];
        const rows: CopyValue[][] = [];
        for (let k = 0; k < 200; k++) {
          rows.push([
            k % 17 === 0 ? null : `${texts[k % texts.length]}${k}`,
            k % 13 === 0
              ? null
              : new Uint8Array(Array.from({ length: k % 40 }, (_, i) => (i * 37 + k) & 255)),
            k % 11 === 0 ? null : (k % 2 === 0 ? 1 : -1) * k * 10_000_019,
            k % 7 === 0 ? null : dates[k % dates.length]!,
            // JSON refuses a lone surrogate (`\ud800` escaped), whatever the COPY format.
            k % 5 === 0
              ? '[]'
              : JSON.stringify([
                  { rule: 'R', reason: texts[k % texts.length]!.replace(/[\ud800-\udfff]/g, '?'), n: k },
                ]),
            k % 3 === 0 ? 42 : undefined,
          ]);
        }
        await copyRows(storage, 'copy_text', columns, rows);
        const writer = new CopyBinaryWriter(types);
        const stream = await openCopyStream(storage, 'copy_binary', columns, { binary: true });
        for (let k = 0; k < rows.length; k++) {
          writer.row(rows[k]!);
          if (k % 64 === 63) {
            await stream.write(writer.toBytes());
            writer.clear();
          }
        }
        await stream.write(writer.toBytes());
        await stream.end();
        const read = (table: string) =>
          sql<
            Record<string, unknown>
          >`select t, encode(b, 'hex') as b, i, d::text as d, j::text as j, n from ${sql.table(table)} order by i nulls first, t nulls first, b nulls first, d nulls first, j, n nulls first`.execute(
            storage.db,
          );
        const [text, binary] = [(await read('copy_text')).rows, (await read('copy_binary')).rows];
        expect(binary).toHaveLength(200);
        expect(binary).toEqual(text);
        expect(binary.some((r) => r.d === '0001-01-01')).toBe(true);
      } finally {
        await sql.raw('drop table copy_text, copy_binary').execute(storage.db);
      }
    });

    it('refuses a value COPY would refuse, and a row of the wrong width', () => {
      const writer = new CopyBinaryWriter(['date', 'int4']);
      for (const bad of [
        '2025-02-30',
        '2025-2-28',
        'abcd-01-01',
        '0000-01-01',
        '2025-01-01T00',
        '2100-02-29',
      ]) {
        expect(() => writer.value(bad)).toThrow('column 1: not a date (YYYY-MM-DD expected)');
        writer.clear();
      }
      writer.clear();
      expect(() => writer.row(['2025-02-28', 1.5])).toThrow('column 2: not a 32-bit integer');
      writer.clear();
      expect(() => writer.row(['2025-02-28'])).toThrow('a row of 2 columns got 1 values');
      writer.clear();
      expect(() => writer.row(['2025-02-28', 1, 2])).toThrow('got more values');
    });

    it('knows the type of every customer column, as the archive and staging declare it', async () => {
      const declared = await sql<{ table_name: string; column_name: string; data_type: string }>`
        select table_name, column_name, data_type from information_schema.columns
        where table_schema = current_schema() and table_name in ('customers', 'staging_customers')`.execute(
        storage.db,
      );
      const pgType: Record<CopyBinaryType, string> = {
        text: 'text',
        bytea: 'bytea',
        int4: 'integer',
        date: 'date',
        jsonb: 'jsonb',
      };
      for (const table of ['customers', 'staging_customers']) {
        const types = Object.fromEntries(
          declared.rows.filter((r) => r.table_name === table).map((r) => [r.column_name, r.data_type]),
        );
        for (const [column, type] of Object.entries(CUSTOMER_DATA_TYPES))
          expect([table, column, types[column]]).toEqual([table, column, pgType[type]]);
      }
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
