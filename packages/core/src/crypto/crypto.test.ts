import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCustodianError } from '../errors.js';
import { testKeyring } from '../testing/test-storage.js';
import { blindIndex, normalizeText } from './blind-index.js';
import { decryptJson, encryptJson } from './cipher.js';
import { generateMasterKeySpec, loadKeyring, parseMasterKeys } from './keyring.js';

describe('personal-data encryption', () => {
  it('round-trips and never stores the clear text', () => {
    const kr = testKeyring();
    const env = encryptJson(kr, { name: '张三明', id: '11010519491231002X' });
    expect(env.includes(Buffer.from('11010519491231002X'))).toBe(false);
    expect(decryptJson(kr, env)).toEqual({ name: '张三明', id: '11010519491231002X' });
  });

  it('uses a fresh IV: the same value encrypts differently', () => {
    const kr = testKeyring();
    expect(encryptJson(kr, 'x').equals(encryptJson(kr, 'x'))).toBe(false);
  });

  it('refuses a wrong key with a clear error, never garbage', () => {
    const env = encryptJson(testKeyring('k1', 1), { a: 1 });
    try {
      decryptJson(testKeyring('k1', 2), env);
      expect.unreachable();
    } catch (err) {
      expect(isCustodianError(err) && err.code).toBe('KEY_WRONG');
    }
  });

  it('names an unknown key id', () => {
    const env = encryptJson(testKeyring('old', 1), 1);
    expect(() => decryptJson(testKeyring('new', 1), env)).toThrow(/key "old"/);
  });

  it('detects tampering', () => {
    const kr = testKeyring();
    const env = encryptJson(kr, 'hello');
    env.writeUInt8(env.readUInt8(env.length - 1) ^ 1, env.length - 1);
    expect(() => decryptJson(kr, env)).toThrow(/altered/);
  });

  it('reads data of an older key after rotation', () => {
    const oldKey = generateMasterKeySpec('k1');
    const newKey = generateMasterKeySpec('k2');
    const before = loadKeyring({ masterKeys: oldKey, dataDir: '/nonexistent' });
    const env = encryptJson(before, 'kept');
    const after = loadKeyring({ masterKeys: `${newKey},${oldKey}`, dataDir: '/nonexistent' });
    expect(after.active.id).toBe('k2');
    expect(decryptJson(after, env)).toBe('kept');
  });
});

describe('keyring', () => {
  it('generates a key file with mode 0600 and a warning when none is configured', () => {
    const dir = mkdtempSync(join(tmpdir(), 'custodian-key-'));
    const kr = loadKeyring({ dataDir: dir });
    expect(kr.warnings[0]).toMatch(/generated/);
    expect(statSync(join(dir, 'master.key')).mode & 0o777).toBe(0o600);
    const again = loadKeyring({ dataDir: dir });
    expect(again.warnings).toEqual([]);
    expect(again.active.checkValue).toBe(kr.active.checkValue);
    expect(readFileSync(join(dir, 'master.key'), 'utf8')).toMatch(/^k\d{8}:/);
  });

  it('rejects malformed key specs without echoing the key', () => {
    expect(() => parseMasterKeys('k1:c2hvcnQ=', 'env')).toThrow(/32 bytes/);
    expect(() => parseMasterKeys('nokey', 'env')).toThrow(/no valid id/);
  });
});

describe('blind index', () => {
  it('is equal for equal values, different across kinds and keys', () => {
    const kr = testKeyring();
    expect(blindIndex(kr, 'phone', '13912345678')).toEqual(blindIndex(kr, 'phone', '13912345678'));
    expect(blindIndex(kr, 'phone', '13912345678')).not.toEqual(blindIndex(kr, 'bank', '13912345678'));
    expect(blindIndex(testKeyring('x', 3), 'phone', '13912345678')).not.toEqual(
      blindIndex(kr, 'phone', '13912345678'),
    );
    expect(blindIndex(kr, 'phone', '')).toBeNull();
  });

  it('normalises free text', () => {
    expect(normalizeText(' 北京市 东城区１号 ')).toBe('北京市东城区1号');
  });
});
