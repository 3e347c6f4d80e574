import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { passesLuhn, validateBankAccount } from './bank-account.js';
import type { Finding } from './findings.js';

const rules = (findings: Finding[]) => findings.map((f) => `${f.rule}:${f.severity}`);

// validation-cases.md, "Bank accounts".
describe('bank account cases of validation-cases.md', () => {
  it('accepts the card 6222021234567890128 (Luhn passes)', () => {
    expect(validateBankAccount('6222021234567890128')).toEqual({
      ok: true,
      kind: 'card',
      normalized: '6222021234567890128',
      findings: [],
    });
  });

  it('warns that the real card 6214832018989180 fails Luhn', () => {
    const r = validateBankAccount('6214832018989180');
    expect(r).toMatchObject({ ok: true, kind: 'card' });
    expect(rules(r.findings)).toEqual(['BANK_ACCOUNT_LUHN:warning']);
    expect(r.findings[0]?.maskedValue).toBe('************9180');
  });

  it('accepts the settlement account 0406123456789012345 (no check digit)', () => {
    expect(validateBankAccount('0406123456789012345')).toMatchObject({
      ok: true,
      kind: 'settlement',
      findings: [],
    });
  });

  it('refuses 622202123: 9 digits are too short for either', () => {
    const r = validateBankAccount('622202123');
    expect(r.ok).toBe(false);
    expect(rules(r.findings)).toEqual(['BANK_ACCOUNT_FORMAT:error']);
  });

  it('refuses 6222 0212 3456 789A: a letter', () => {
    const r = validateBankAccount('6222 0212 3456 789A');
    expect(r).toMatchObject({ ok: false, kind: 'unknown' });
    expect(rules(r.findings)).toEqual(['BANK_ACCOUNT_FORMAT:error']);
  });
});

describe('bank accounts', () => {
  it('says that digits were lost for a number in Excel scientific notation', () => {
    for (const sci of ['6.22202E+18', '6.22202e+18', '6.2E+15']) {
      const r = validateBankAccount(sci);
      expect(r.ok).toBe(false);
      expect(rules(r.findings)).toEqual(['BANK_ACCOUNT_FORMAT:error']);
      expect(r.findings[0]?.reasonEn).toContain('stored as a number in Excel');
      expect(r.findings[0]?.reasonEn).not.toContain('digits only');
    }
  });

  it('removes spaces, hyphens and full-width digits', () => {
    expect(validateBankAccount(' 6222-0212-3456-7890-128 ').normalized).toBe('6222021234567890128');
    expect(validateBankAccount('６２２２０２１２３４５６７８９０１２８').normalized).toBe(
      '6222021234567890128',
    );
  });

  it('reads numbers not starting 3-6, or longer than 19 digits, as settlement accounts', () => {
    expect(validateBankAccount('1202021234567890').kind).toBe('settlement');
    expect(validateBankAccount('44050110040900000123').kind).toBe('settlement');
    expect(validateBankAccount('123456789012345678901234567890').kind).toBe('settlement');
    expect(validateBankAccount('1234567890123456789012345678901').ok).toBe(false);
    expect(validateBankAccount('').ok).toBe(false);
  });

  it('implements Luhn (test numbers of the card schemes)', () => {
    for (const n of [
      '4111111111111111',
      '5555555555554444',
      '378282246310005',
      '6011111111111117',
      '79927398713',
    ]) {
      expect(passesLuhn(n), n).toBe(true);
    }
    expect(passesLuhn('79927398710')).toBe(false);
  });

  it('warns on every single-digit error of a valid card (property)', () => {
    const card = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 10, maxLength: 16 }).map((digits) => {
      const body = `62${digits.join('')}`;
      for (let c = 0; c <= 9; c++) if (passesLuhn(body + c)) return body + c;
      throw new Error('unreachable: one check digit always fits');
    });
    fc.assert(
      fc.property(card, fc.nat(), fc.integer({ min: 1, max: 9 }), (n, pos, delta) => {
        expect(validateBankAccount(n)).toMatchObject({ ok: true, kind: 'card', findings: [] });
        const i = 2 + (pos % (n.length - 2));
        const wrong = n.slice(0, i) + ((Number(n[i]) + delta) % 10) + n.slice(i + 1);
        expect(rules(validateBankAccount(wrong).findings)).toEqual(['BANK_ACCOUNT_LUHN:warning']);
      }),
    );
  });
});
