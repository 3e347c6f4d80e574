import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateTestStorageTo, testBackends } from '../../testing/test-storage.js';
import { migrateToLatest } from '../migrate.js';

for (const backend of testBackends({ migrated: false })) {
  describe(`migration 0008-batch-identity on ${backend.name}`, () => {
    it('keeps a batch done before it recognisable (empty sheet, its profile) and makes sheet and profile part of the identity', async () => {
      const storage = await backend.open();
      try {
        await migrateTestStorageTo(storage, '0007-recheck-agents');
        const insert = (sheet: string | null, profile: string) =>
          sheet === null
            ? sql`insert into batches (file_name, file_sha256, status, profile, ingested_on)
                values ('a.csv', 'abc', 'done', ${profile}, '2026-11-20')`.execute(storage.db)
            : sql`insert into batches (file_name, file_sha256, sheet, status, profile, ingested_on)
                values ('a.xlsx', 'abc', ${sheet}, 'done', ${profile}, '2026-11-20')`.execute(storage.db);
        await insert(null, 'insurance');
        await migrateToLatest(storage);
        const rows = await storage.db.selectFrom('batches').select(['sheet', 'profile']).execute();
        expect(rows).toEqual([{ sheet: '', profile: 'insurance' }]);
        // The same content under another profile or for another sheet is another identity.
        await insert('', 'telecom');
        await insert('客户', 'insurance');
        // The same identity twice is refused by the unique index.
        await expect(insert('', 'insurance')).rejects.toThrow(/batches_done_identity|unique/);
        await expect(insert(null, 'telecom')).rejects.toThrow(/batches_done_identity|unique/);
      } finally {
        await storage.close();
      }
    });
  });
}
