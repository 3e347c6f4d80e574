import { describe, expect, it } from 'vitest';
import { buildIdNumber, IdentitySpace, idCheckChar, toLegacyIdNumber } from './id-numbers.js';
import { ID_REGIONS } from './regions.js';

describe('ID numbers', () => {
  it('computes the check character of the standard examples', () => {
    expect(idCheckChar('11010519491231002')).toBe('X');
    expect(idCheckChar('44052418800101001')).toBe('4');
    expect(buildIdNumber('110105', '19491231', 2)).toBe('11010519491231002X');
  });

  it('converts to the legacy 15-digit form', () => {
    expect(toLegacyIdNumber('610104196209276908')).toBe('610104620927690');
    expect(() => toLegacyIdNumber('110101200002290018')).toThrow(RangeError);
  });

  it('hands out unique, well-formed identities whose digits say what the identity says', () => {
    const space = new IdentitySpace(5);
    const seen = new Set<string>();
    const regions = new Set(ID_REGIONS.map((r) => r[0]));
    const wrong: string[] = [];
    for (const kind of ['holder', 'adultInsured', 'minorInsured'] as const) {
      for (let i = 0; i < 50_000; i++) {
        const male = i % 3 === 0;
        const id = space.identity(kind, i, male);
        const birth = new Date(id.birthDay * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
        const ok =
          !seen.has(id.id18) &&
          id.id18[17] === idCheckChar(id.id18.slice(0, 17)) &&
          regions.has(id.id18.slice(0, 6)) &&
          (Number(id.id18[16]) % 2 === 1) === male &&
          id.id18.slice(6, 14) === birth;
        if (!ok) wrong.push(`${kind} ${i} ${id.id18}`);
        seen.add(id.id18);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('gives the same person for the same seed and index, whatever the gender asked', () => {
    const a = new IdentitySpace(1).identity('holder', 123, true);
    const b = new IdentitySpace(1).identity('holder', 123, false);
    expect(a.id18.slice(0, 16)).toBe(b.id18.slice(0, 16));
    expect(a.birthDay).toBe(b.birthDay);
  });
});
