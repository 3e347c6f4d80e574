import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { civilFromDays, daysFromCivil } from './dates.js';
import type { Finding } from './findings.js';
import { countyCodes, isProvincePrefix } from './gb2260.js';
import { idCheckChar, isValidIdNumber, normalizeIdNumber, parseIdNumber } from './id-number.js';

const TODAY = '2025-06-01';
const parse = (id: string) => parseIdNumber(id, { today: TODAY });
const rules = (findings: Finding[]) => findings.map((f) => `${f.rule}:${f.severity}`);

type Verdict = 'valid' | 'invalid' | 'warn';
function verdictOf(id: string): Verdict {
  const r = parse(id);
  if (!r.ok) return 'invalid';
  return r.findings.length > 0 ? 'warn' : 'valid';
}

// validation-cases.md, "Resident ID numbers (GB 11643-1999)".
describe('resident ID cases of validation-cases.md', () => {
  const cases: [string, Verdict, string[], string][] = [
    ['11010519491231002X', 'valid', [], 'the standard’s own example'],
    ['440524188001010014', 'valid', [], 'born 1880: no 1900 floor'],
    ['11010519491231002x', 'valid', [], 'lower-case x'],
    ['１１０１０５１９４９１２３１００２Ｘ', 'valid', [], 'full-width, NFKC'],
    [' 110105 19491231 002X ', 'valid', [], 'spaces removed'],
    ['110101190002290011', 'invalid', ['ID_BIRTHDATE:error'], '1900-02-29 does not exist'],
    ['110101200002290018', 'valid', [], '2000-02-29 exists'],
    ['110101209901010017', 'invalid', ['ID_BIRTHDATE:error'], 'future birth date'],
    ['440308199901101513', 'invalid', ['ID_CHECKSUM:error'], 'check digit'],
    ['440308199902301516', 'invalid', ['ID_BIRTHDATE:error'], '30 February, check digit correct'],
    ['34240120010721571X', 'warn', ['ID_REGION:warning'], 'county abolished in 1998, still on cards'],
    ['321119197310306324', 'warn', ['ID_REGION:warning'], 'county reported real, missing from every list'],
    ['990426199112010074', 'invalid', ['ID_REGION:error'], '99 is no province'],
    ['710000199001010015', 'invalid', ['ID_REGION:error'], '710000 not used on IDs'],
    ['111111111111111', 'invalid', ['ID_REGION:error'], '15 digits, no valid region'],
    ['610104620927690', 'valid', [], 'legacy 15-digit'],
    ['61010462092769X', 'invalid', ['ID_FORMAT:error'], '15 digits have no check character'],
    ['110101000229001', 'invalid', ['ID_BIRTHDATE:error'], '15-digit 1900-02-29'],
  ];
  it.each(cases)('%s is %s (%j: %s)', (id, verdict, expectedRules) => {
    const r = parse(id);
    expect(verdictOf(id)).toBe(verdict);
    expect(rules(r.findings)).toEqual(expectedRules);
    expect(isValidIdNumber(id, { today: TODAY })).toBe(verdict !== 'invalid');
  });

  it('stores lower-case x, full-width and spaced forms as the canonical 18 characters', () => {
    for (const id of [
      '11010519491231002x',
      '１１０１０５１９４９１２３１００２Ｘ',
      ' 110105 19491231 002X ',
      '110105-19491231-002X',
    ]) {
      expect(parse(id).normalized).toBe('11010519491231002X');
      expect(normalizeIdNumber(id)).toBe('11010519491231002X');
    }
  });

  it('converts 610104620927690 to 610104196209276908', () => {
    const r = parse('610104620927690');
    expect(r.kind).toBe('resident15');
    expect(r.normalized).toBe('610104196209276908');
    expect(normalizeIdNumber('610104620927690')).toBe('610104196209276908');
    expect(parse('610104196209276908').ok).toBe(true);
    expect(r.birthDate).toBe('1962-09-27');
    expect(r.gender).toBe('F');
  });

  it('refuses a JavaScript number with a TypeError (4403081999011015)', () => {
    const asNumber = 4403081999011015 as unknown as string;
    expect(() => parseIdNumber(asNumber)).toThrow(TypeError);
    expect(() => isValidIdNumber(asNumber)).toThrow(TypeError);
    expect(() => normalizeIdNumber(asNumber)).toThrow(TypeError);
  });

  it('reports the future date against the injected today, not the clock', () => {
    expect(parseIdNumber('110101202001010011', { today: '2019-12-31' }).ok).toBe(false);
    const r = parseIdNumber(`11010120200101001${idCheckChar('11010120200101001')}`, { today: '2020-01-01' });
    expect(r.ok).toBe(true);
  });

  it('extracts birth date, gender and region of the standard’s examples', () => {
    expect(parse('11010519491231002X')).toMatchObject({
      ok: true,
      kind: 'resident',
      birthDate: '1949-12-31',
      gender: 'F',
      regionCode: '110105',
      regionName: '北京市朝阳区',
    });
    expect(parse('440524188001010014')).toMatchObject({
      birthDate: '1880-01-01',
      gender: 'M',
      regionCode: '440524',
    });
  });

  it('names the region as it was in the birth year when the code was reused', () => {
    // 120110 was 东郊区 until 1991 and 东丽区 from 1992.
    const body1980 = '12011019800101001';
    const body2000 = '12011020000101001';
    expect(parse(body1980 + idCheckChar(body1980)).regionName).toBe('天津市东郊区');
    expect(parse(body2000 + idCheckChar(body2000)).regionName).toBe('天津市东丽区');
  });

  it('carries only masked values in findings', () => {
    const r = parse('440308199901101513');
    expect(r.findings[0]?.maskedValue).toBe('440308********1513');
    for (const f of r.findings) expect(`${f.reasonZh}${f.reasonEn}`).not.toContain('19990110');
  });

  it('rejects wrong lengths, letters and empty input with ID_FORMAT, never throwing', () => {
    for (const bad of [
      '',
      '1101051949123100',
      '11010519491231002XX',
      '1101051949123100XX',
      'ABCDEFGHIJKLMNOPQR',
      '11010519491231X02X',
    ]) {
      const r = parse(bad);
      expect(r.ok).toBe(false);
      expect(r.kind).toBe('unknown');
      expect(rules(r.findings)).toEqual(['ID_FORMAT:error']);
      expect(r.normalized).toBeUndefined();
    }
    expect(parseIdNumber(undefined as unknown as string).ok).toBe(false);
  });

  // An ID column saved from Excel without the text format reaches a CSV as 3.30921E+17.
  it('says that digits were lost for a number in Excel scientific notation', () => {
    for (const sci of ['3.30921E+17', '3.30921e+17', '1.10105E17', '４.４０３０８Ｅ+１７', '4E+17']) {
      const r = parse(sci);
      expect(r.ok).toBe(false);
      expect(rules(r.findings)).toEqual(['ID_FORMAT:error']);
      expect(r.findings[0]?.reasonEn).toContain('stored as a number in Excel');
      expect(r.findings[0]?.reasonEn).toContain('digits have been lost');
      expect(r.findings[0]?.reasonEn).not.toContain('characters; expected');
      expect(r.findings[0]?.reasonZh).toContain('科学计数法');
      expect(r.findings[0]?.maskedValue).not.toContain('30921');
    }
    expect(parse('E12345678').findings[0]?.reasonEn).not.toContain('Excel');
  });

  it('refuses birth years before 1800 but not before 1900', () => {
    const b1799 = '11010117991231001';
    const b1800 = '11010118000101001';
    expect(rules(parse(b1799 + idCheckChar(b1799)).findings)).toEqual(['ID_BIRTHDATE:error']);
    expect(parse(b1800 + idCheckChar(b1800)).ok).toBe(true);
  });
});

// validation-cases.md, "Residence permits and foreigner permanent residence IDs".
describe('permit and foreigner ID cases of validation-cases.md', () => {
  const cases: [string, Verdict, string[]][] = [
    ['810000199408230021', 'valid', []],
    ['830000199201300022', 'valid', []],
    ['811234199408230027', 'invalid', ['ID_REGION:error']],
    ['932682198501010017', 'valid', []],
    ['999398199012310021', 'invalid', ['ID_REGION:error', 'ID_CHECKSUM:error']],
    ['KAZ110090123105', 'valid', []],
  ];
  it.each(cases)('%s is %s', (id, verdict, expectedRules) => {
    expect(verdictOf(id)).toBe(verdict);
    expect(rules(parse(id).findings)).toEqual(expectedRules);
    expect(isValidIdNumber(id, { today: TODAY })).toBe(verdict !== 'invalid');
  });

  it('reads the permits as permits of Hong Kong and Taiwan residents', () => {
    expect(parse('810000199408230021')).toMatchObject({
      kind: 'permit',
      regionCode: '810000',
      regionName: '香港特别行政区',
      birthDate: '1994-08-23',
      gender: 'F',
    });
    expect(parse('830000199201300022')).toMatchObject({ kind: 'permit', regionName: '台湾省' });
    const macao = '82000019900101001';
    expect(parse(macao + idCheckChar(macao))).toMatchObject({
      ok: true,
      kind: 'permit',
      regionName: '澳门特别行政区',
    });
  });

  it('reads 932682198501010017 as a foreigner ID accepted in Jiangsu, nationality 682', () => {
    expect(parse('932682198501010017')).toMatchObject({
      kind: 'foreigner2023',
      regionCode: '320000',
      regionName: '江苏省',
      nationality: '682',
      birthDate: '1985-01-01',
      gender: 'M',
    });
  });

  it('reads KAZ110090123105 as an old foreigner ID: KAZ, Beijing, born (19)90-12-31', () => {
    const r = parse('kaz 1100 901231 05');
    expect(r).toMatchObject({
      ok: true,
      kind: 'foreigner15',
      normalized: 'KAZ110090123105',
      nationality: 'KAZ',
      regionCode: '110000',
    });
    expect(r.birthDate).toBeUndefined();
    expect(rules(parse('KAZ110090133105').findings)).toEqual(['ID_BIRTHDATE:error']);
    expect(rules(parse('KAZ990090123105').findings)).toEqual(['ID_REGION:error']);
  });

  it('never accepts 710000 as a permit prefix nor 81-83 below the whole code', () => {
    const taiwan = '71000019900101001';
    expect(parse(taiwan + idCheckChar(taiwan)).ok).toBe(false);
    const kowloon = '81010019900101001';
    expect(rules(parse(kowloon + idCheckChar(kowloon)).findings)).toEqual(['ID_REGION:error']);
  });
});

describe('public vectors', () => {
  it.each([
    '11010519491231002X',
    '440524188001010014',
    '810000199408230021',
    '830000199201300022',
    '932682198501010017',
  ])('%s passes', (id) => {
    expect(parseIdNumber(id).ok).toBe(true);
    expect(isValidIdNumber(id)).toBe(true);
  });
});

// ISO 7064 MOD 11-2: the weights are 2^(17-i) mod 11, all non-zero mod 11, and adjacent ones
// differ mod 11, so any change of one digit, and any swap of two different adjacent digits,
// changes the weighted sum mod 11; the check character (weight 1) completes the argument.
describe('MOD 11-2 properties', () => {
  const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2, 1];
  it('uses weights 2^(17-i) mod 11, pairwise adjacent-distinct and non-zero mod 11', () => {
    WEIGHTS.forEach((w, i) => {
      expect(w).toBe(2 ** (17 - i) % 11);
    });
    for (let i = 0; i + 1 < WEIGHTS.length; i++)
      expect((WEIGHTS[i]! - WEIGHTS[i + 1]! + 11) % 11).not.toBe(0);
  });

  const counties = countyCodes().filter((c) => isProvincePrefix(Math.floor(c / 10000)));
  const today = daysFromCivil(2025, 6, 1);
  const body = (region: number, days: number, seq: number) =>
    String(region) + String(civilFromDays(days)) + String(seq).padStart(3, '0');
  const validId = fc
    .tuple(
      fc.constantFrom(...counties),
      fc.integer({ min: daysFromCivil(1880, 1, 1), max: today }),
      fc.integer({ min: 0, max: 999 }),
    )
    .map(([region, days, seq]) => {
      const b = body(region, days, seq);
      return b + idCheckChar(b);
    });
  const validPermit = fc
    .tuple(
      fc.constantFrom(810000, 820000, 830000),
      fc.integer({ min: daysFromCivil(1900, 1, 1), max: today }),
      fc.integer({ min: 0, max: 999 }),
    )
    .map(([region, days, seq]) => {
      const b = body(region, days, seq);
      return b + idCheckChar(b);
    });
  const validForeigner = fc
    .tuple(
      fc.constantFrom(...counties.map((c) => Math.floor(c / 10000)).filter((p, i, a) => a.indexOf(p) === i)),
      fc.integer({ min: 4, max: 894 }),
      fc.integer({ min: daysFromCivil(1900, 1, 1), max: today }),
      fc.integer({ min: 0, max: 999 }),
    )
    .map(([province, nationality, days, seq]) => {
      const b = `9${province}${String(nationality).padStart(3, '0')}${civilFromDays(days)}${String(seq).padStart(3, '0')}`;
      return b + idCheckChar(b);
    });
  const anyValid = fc.oneof(validId, validPermit, validForeigner);

  it('accepts every generated valid number, with the birth date and gender it encodes', () => {
    fc.assert(
      fc.property(anyValid, (id) => {
        const r = parseIdNumber(id, { today: TODAY });
        expect(r.ok).toBe(true);
        expect(r.normalized).toBe(id);
        expect(r.birthDate).toBe(`${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`);
        expect(r.gender).toBe(Number(id[16]) % 2 === 1 ? 'M' : 'F');
        expect(isValidIdNumber(id, { today: TODAY })).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects every single-character substitution of a valid number', () => {
    fc.assert(
      fc.property(anyValid, (id) => {
        for (let i = 0; i < 18; i++) {
          for (const c of '0123456789X') {
            if (c === id[i]) continue;
            const mutated = id.slice(0, i) + c + id.slice(i + 1);
            expect(isValidIdNumber(mutated, { today: TODAY }), mutated).toBe(false);
            expect(parseIdNumber(mutated, { today: TODAY }).ok).toBe(false);
            // The check character alone catches it, whatever the date and region say.
            if (i < 17 && c !== 'X') expect(idCheckChar(mutated.slice(0, 17))).not.toBe(id[17]);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('rejects every transposition of two different adjacent characters', () => {
    fc.assert(
      fc.property(anyValid, (id) => {
        for (let i = 0; i < 17; i++) {
          if (id[i] === id[i + 1]) continue; // swapping equal characters gives the same number
          const swapped = id.slice(0, i) + id[i + 1] + id[i] + id.slice(i + 2);
          expect(isValidIdNumber(swapped, { today: TODAY }), swapped).toBe(false);
          if (i < 16) expect(idCheckChar(swapped.slice(0, 17))).not.toBe(swapped[17]);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('gives the same verdict on the fast path as the full parse, on any input', () => {
    const corrupted = fc
      .tuple(anyValid, fc.integer({ min: 0, max: 17 }), fc.constantFrom(...'0123456789Xx -a'))
      .map(([id, i, c]) => id.slice(0, i) + c + id.slice(i + 1));
    fc.assert(
      fc.property(fc.oneof(corrupted, fc.string(), fc.stringMatching(/^[0-9]{15,18}[Xx]?$/)), (s) => {
        expect(isValidIdNumber(s, { today: TODAY })).toBe(parseIdNumber(s, { today: TODAY }).ok);
      }),
      { numRuns: 5000 },
    );
  });
});
