import { describe, expect, it } from 'vitest';
import { creditCodeCheckChar, validateCreditCode } from './credit-code.js';

describe('validateCreditCode (GB 32100-2015)', () => {
  it('accepts published codes, whose check characters the weighted sum mod 31 gives', () => {
    // Codes printed on the business licences of two listed companies (public registers).
    for (const code of ['91330100716105852F', '914403001922038216']) {
      expect(creditCodeCheckChar(code.slice(0, 17))).toBe(code[17]);
      expect(validateCreditCode(code)).toEqual({ ok: true, normalized: code, findings: [] });
    }
  });

  it('folds full-width characters, spaces and lower case', () => {
    expect(validateCreditCode(' ９１３３０１００７１６１０５８５２ｆ ').normalized).toBe(
      '91330100716105852F',
    );
  });

  it('refuses a wrong check character as ID_CHECKSUM, masked', () => {
    const r = validateCreditCode('91330100716105852G');
    expect(r.ok).toBe(false);
    expect(r.findings).toMatchObject([
      { rule: 'ID_CHECKSUM', severity: 'error', maskedValue: '913301********852G' },
    ]);
  });

  it('refuses a wrong length, a letter outside the alphabet and a region that is not digits as ID_FORMAT', () => {
    expect(validateCreditCode('9133010071610585').findings).toMatchObject([
      { rule: 'ID_FORMAT', reasonEn: 'a unified social credit code has 18 characters, this one 16' },
    ]);
    // I, O, S, V, Z are not in the alphabet (they read as 1, 0, 5, U, 2).
    for (const bad of [
      '9133010071610585IF',
      '91330100O16105852F',
      '91A30100716105852F',
      'Z1330100716105852F',
    ])
      expect(validateCreditCode(bad).findings.map((f) => f.rule)).toEqual(['ID_FORMAT']);
  });
});
