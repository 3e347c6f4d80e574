import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CustodianError } from '../errors.js';

/**
 * The master keys of personal-data protection (000 §5; 001 §3.2). Each master key yields, by
 * HKDF, an AES-256 data key; the blind-index key comes from the database's first key (see
 * `bindKeyring`) so that look-ups keep working after a rotation.
 */
export interface MasterKey {
  id: string;
  /** Derived AES-256-GCM key. */
  dataKey: Buffer;
  /** Derived HMAC key, used only if this is the database's index key. */
  indexKey: Buffer;
  /** HMAC of a constant: stored in `key_checks` to tell a wrong key before it writes garbage. */
  checkValue: string;
}

export interface Keyring {
  /** The key new data is encrypted with (the first configured). */
  active: MasterKey;
  byId: Map<string, MasterKey>;
  /** The blind-index key; set by `bindKeyring` from the database, the active one until then. */
  indexKey: Buffer;
  indexKeyId: string;
  /** Warnings for the operator (e.g. a key was generated). */
  warnings: string[];
}

const KEY_ID = /^[A-Za-z0-9_.-]{1,32}$/;

function deriveKey(id: string, raw: Buffer): MasterKey {
  const dataKey = Buffer.from(hkdfSync('sha256', raw, Buffer.from(id), 'custodian/data-key/v1', 32));
  const indexKey = Buffer.from(hkdfSync('sha256', raw, Buffer.from(id), 'custodian/blind-index/v1', 32));
  const checkValue = createHmac('sha256', raw).update('custodian/key-check/v1').digest('hex').slice(0, 32);
  return { id, dataKey, indexKey, checkValue };
}

/** Parses `id:base64key[,id:base64key…]`; throws `KEY_INVALID` naming the bad entry (never the key). */
export function parseMasterKeys(spec: string, source: string): MasterKey[] {
  const keys: MasterKey[] = [];
  for (const [i, entry] of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .entries()) {
    const sep = entry.indexOf(':');
    const id = sep > 0 ? entry.slice(0, sep) : '';
    const b64 = sep > 0 ? entry.slice(sep + 1) : '';
    if (!KEY_ID.test(id)) {
      throw new CustodianError(
        'KEY_INVALID',
        `${source}: key ${i + 1} has no valid id (expected id:base64key)`,
      );
    }
    const raw = Buffer.from(b64, 'base64');
    if (raw.length !== 32) {
      throw new CustodianError(
        'KEY_INVALID',
        `${source}: key "${id}" must be 32 bytes in base64 (got ${raw.length})`,
      );
    }
    keys.push(deriveKey(id, raw));
  }
  if (keys.length === 0) throw new CustodianError('KEY_INVALID', `${source}: no key given`);
  return keys;
}

/**
 * A new master key as `id:base64key`. The generated id is the day and four random hex digits
 * (`k20261123-3f9a`): two keys generated on one day (two data folders, a reinstalled machine) have
 * different ids, so that a database refusing the wrong key names one that is not also the right
 * key's (`master key "k20261123" does not match…` named both).
 */
export function generateMasterKeySpec(
  id = `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}-${randomBytes(2).toString('hex')}`,
): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

/**
 * The keyring from configuration, or from `dataDir/master.key`, which is generated (mode 0600,
 * with a warning) on first run when no key is configured.
 */
export function loadKeyring(opts: { masterKeys?: string | undefined; dataDir: string }): Keyring {
  const warnings: string[] = [];
  let keys: MasterKey[];
  if (opts.masterKeys) {
    keys = parseMasterKeys(opts.masterKeys, 'CUSTODIAN_MASTER_KEYS');
  } else {
    const file = join(opts.dataDir, 'master.key');
    if (!existsSync(file)) {
      mkdirSync(opts.dataDir, { recursive: true });
      writeFileSync(file, `${generateMasterKeySpec()}\n`, { mode: 0o600, flag: 'wx' });
      chmodSync(file, 0o600);
      warnings.push(
        `no master key configured: generated one in ${file} (mode 0600). Back it up — without it the ` +
          'personal data in the archive cannot be read — or set CUSTODIAN_MASTER_KEYS.',
      );
    }
    keys = parseMasterKeys(readFileSync(file, 'utf8'), file);
  }
  const active = keys[0]!;
  return {
    active,
    byId: new Map(keys.map((k) => [k.id, k])),
    indexKey: active.indexKey,
    indexKeyId: active.id,
    warnings,
  };
}
