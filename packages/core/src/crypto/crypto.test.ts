import { createHmac } from 'node:crypto';
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
    expect(readFileSync(join(dir, 'master.key'), 'utf8')).toMatch(/^k\d{8}-[0-9a-f]{4}:/);
    // Another folder the same day: another key under another id.
    const other = loadKeyring({ dataDir: mkdtempSync(join(tmpdir(), 'custodian-key-')) });
    expect(other.active.id).not.toBe(kr.active.id);
    expect(other.active.checkValue).not.toBe(kr.active.checkValue);
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

  it('is the first 16 bytes of HMAC-SHA256(index key, kind NUL value), as stored', () => {
    const kr = testKeyring();
    for (const [kind, value] of [
      ['phone', '13912345678'],
      ['id', '11010519491231002X'],
      ['name', '阿依古丽·买买提'],
      ['address', '四川省绵阳市三台县胜利路131号17栋6单元2802室'],
      ['bank', '6222021234567890128'],
      ['service', '0755-6226567-123'],
    ] as const) {
      const want = createHmac('sha256', kr.indexKey).update(`${kind}\0${value}`).digest().subarray(0, 16);
      expect(blindIndex(kr, kind, value)).toEqual(want);
    }
  });

  it('normalises free text', () => {
    expect(normalizeText(' 北京市 东城区１号 ')).toBe('北京市东城区1号');
    expect(normalizeText('四川省绵阳市三台县胜利路131号17栋6单元2802室')).toBe(
      '四川省绵阳市三台县胜利路131号17栋6单元2802室',
    );
    expect(normalizeText('Room 5A, 北京')).toBe('room5a,北京');
    // As first written, for every kind of character.
    const reference = (value: string) => value.normalize('NFKC').replace(/\s+/g, '').toLowerCase();
    let seed = 5;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 4294967296;
    };
    const pool = [
      '北',
      'a',
      'A',
      'Z',
      '1',
      ' ',
      '\u3000',
      '\t',
      'Ａ',
      'İ',
      'Σ',
      'ß',
      '\uf900',
      '𠈌',
      '-',
      '号',
    ];
    for (let i = 0; i < 20000; i++) {
      let s = '';
      const n = Math.floor(next() * 8);
      for (let j = 0; j < n; j++) {
        s +=
          next() < 0.8
            ? pool[Math.floor(next() * pool.length)]
            : String.fromCharCode(Math.floor(next() * 0x10000));
      }
      expect(normalizeText(s)).toBe(reference(s));
    }
  });
});
