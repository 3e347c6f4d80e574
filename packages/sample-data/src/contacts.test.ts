import { validatePhone } from '@custodian/validators';
import { describe, expect, it } from 'vitest';
import { ContactSpace, luhnCheckDigit, MOBILE_SEGMENTS } from './contacts.js';

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

describe('contacts', () => {
  it('computes Luhn check digits', () => {
    expect(luhnCheckDigit('622202123456789012')).toBe('8');
    expect(luhnValid('6222021234567890128')).toBe(true);
    expect(luhnValid('6214832018989180')).toBe(false);
  });

  it('makes Luhn-valid UnionPay cards of 16-19 digits, and bad ones that fail', () => {
    const c = new ContactSpace(3);
    const lengths = new Set<number>();
    const wrong: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const card = c.card(i);
      if (!/^62\d{14,17}$/.test(card) || !luhnValid(card)) wrong.push(card);
      lengths.add(card.length);
      const bad = c.cardWithBadLuhn(i);
      if (!/^62\d{14}$/.test(bad) || luhnValid(bad)) wrong.push(bad);
    }
    expect(wrong).toEqual([]);
    expect([...lengths].sort()).toEqual([16, 17, 18, 19]);
  });

  it('makes allocated mobile numbers, never a placeholder, distinct across owners', () => {
    const c = new ContactSpace(4);
    const segments = new Set(MOBILE_SEGMENTS);
    const seen = new Set<string>();
    const wrong: string[] = [];
    for (const owner of ['customer', 'service', 'agent'] as const) {
      for (let i = 0; i < 100_000; i++) {
        const phone = c.phone(owner, i);
        const ok =
          /^1\d{10}$/.test(phone) &&
          segments.has(phone.slice(0, 3)) &&
          phone !== '13800138000' &&
          !/^(\d)\1{7}$/.test(phone.slice(3)) &&
          !seen.has(phone);
        // The real validator finds nothing: a clean number is not a satellite, data-only or placeholder one.
        if (!ok || validatePhone(phone).findings.length > 0) wrong.push(phone);
        seen.add(phone);
      }
    }
    expect(wrong).toEqual([]);
  });
});
