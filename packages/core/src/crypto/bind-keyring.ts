import { CustodianError } from '../errors.js';
import type { Storage } from '../storage/connect.js';
import type { Keyring } from './keyring.js';

/**
 * Checks the configured keys against the database and fixes the blind-index key. A key whose id
 * the database knows must match its stored check value (else `KEY_WRONG`: refusing to run is
 * better than writing data nobody can read). New key ids are registered. The index key is the
 * database's first registered key, which must still be configured (`KEY_INDEX_MISSING`).
 */
export async function bindKeyring(storage: Storage, keyring: Keyring): Promise<Keyring> {
  const rows = await storage.db
    .selectFrom('key_checks')
    .selectAll()
    .orderBy('created_at')
    .orderBy('key_id')
    .execute();
  for (const row of rows) {
    const key = keyring.byId.get(row.key_id);
    if (key && key.checkValue !== row.check_value) {
      throw new CustodianError(
        'KEY_WRONG',
        `master key "${row.key_id}" does not match the key this database (${storage.location}) was written with`,
        { keyId: row.key_id },
      );
    }
  }
  const known = new Set(rows.map((r) => r.key_id));
  for (const key of keyring.byId.values()) {
    if (!known.has(key.id)) {
      await storage.db
        .insertInto('key_checks')
        .values({ key_id: key.id, check_value: key.checkValue })
        .onConflict((oc) => oc.column('key_id').doNothing())
        .execute();
    }
  }
  const indexKeyId = rows[0]?.key_id ?? keyring.active.id;
  const indexKey = keyring.byId.get(indexKeyId);
  if (!indexKey) {
    throw new CustodianError(
      'KEY_INDEX_MISSING',
      `the database's blind indexes use key "${indexKeyId}", which is not configured; keep it in CUSTODIAN_MASTER_KEYS after a rotation`,
      { keyId: indexKeyId },
    );
  }
  return { ...keyring, indexKey: indexKey.indexKey, indexKeyId };
}
