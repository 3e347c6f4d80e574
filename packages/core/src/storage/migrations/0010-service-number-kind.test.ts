import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateTestStorageTo, testBackends } from '../../testing/test-storage.js';
import { migrateToLatest } from '../migrate.js';

for (const backend of testBackends({ migrated: false })) {
  describe(`migration 0010-service-number-kind on ${backend.name}`, () => {
    it('classifies the service numbers stored before it from their masked form', async () => {
      const storage = await backend.open();
      try {
        await migrateTestStorageTo(storage, '0009-pending-correction');
        // Masked as maskPhone masks: an 11-digit mobile, a landline with its area code, a 13-digit
        // IoT number, a value the validators did not recognise (kept as written), none.
        const stored: [string, string | null][] = [
          ['M', '186****0001'],
          ['L', '0755-***6567'],
          ['I', '144******5678'],
          ['U', '12**3'],
          ['N', null],
        ];
        for (const [id, masked] of stored)
          await sql`insert into customers (record_id, pii, row_hash, first_batch_id, last_batch_id, service_number_masked)
            values (${id}, '\\x00'::bytea, '\\x00'::bytea, 1, 1, ${masked})`.execute(storage.db);
        await migrateToLatest(storage);
        const rows = await storage.db
          .selectFrom('customers')
          .select(['record_id', 'service_number_kind'])
          .orderBy('record_id')
          .execute();
        expect(rows).toEqual([
          { record_id: 'I', service_number_kind: 'iot' },
          { record_id: 'L', service_number_kind: 'landline' },
          { record_id: 'M', service_number_kind: 'mobile' },
          { record_id: 'N', service_number_kind: null },
          { record_id: 'U', service_number_kind: null },
        ]);
        // Staging has the column too: a file's rows carry it into the archive.
        const staging = await sql<{ n: number }>`select count(*)::int as n from information_schema.columns
          where table_name = 'staging_customers' and column_name = 'service_number_kind'
            and table_schema = current_schema()`.execute(storage.db);
        expect(staging.rows[0]!.n).toBe(1);
      } finally {
        await storage.close();
      }
    });
  });
}
