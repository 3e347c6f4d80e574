import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Finding } from './findings.js';
import { validatePhone } from './phone.js';
import { MOBILE_SEGMENTS } from './phone-segments.js';

const rules = (findings: Finding[]) => findings.map((f) => `${f.rule}:${f.severity}`);

// validation-cases.md, "Phones".
describe('phone cases of validation-cases.md', () => {
  it.each([
    ['13912345678', '13912345678'],
    ['+86 139-1234-5678', '13912345678'],
    ['008613912345678', '13912345678'],
    ['19312345678', '19312345678'],
    ['16212345678', '16212345678'],
  ])('%s is a valid mobile', (input, normalized) => {
    const r = validatePhone(input);
    expect(r).toMatchObject({ ok: true, kind: 'mobile', normalized });
    expect(r.findings).toEqual([]);
  });

  it.each(['19412345678', '15412345678', '17912345678'])('%s is in an unallocated segment', (input) => {
    const r = validatePhone(input);
    expect(r.ok).toBe(false);
    expect(rules(r.findings)).toEqual(['PHONE_FORMAT:error']);
  });

  it('warns that 14512345678 is data-only', () => {
    const r = validatePhone('14512345678');
    expect(r).toMatchObject({ ok: true, kind: 'mobile', dataOnly: true });
    expect(rules(r.findings)).toEqual(['PHONE_FORMAT:warning']);
  });

  it('refuses the 13-digit IoT number 1440012345678', () => {
    const r = validatePhone('1440012345678');
    expect(r).toMatchObject({ ok: false, kind: 'iot' });
    expect(rules(r.findings)).toEqual(['PHONE_FORMAT:error']);
  });

  it('flags 13800138000 as a placeholder, valid in format', () => {
    const r = validatePhone('13800138000');
    expect(r).toMatchObject({ ok: true, placeholder: true });
    expect(rules(r.findings)).toEqual(['PHONE_PLACEHOLDER:warning']);
    expect(r.findings[0]?.maskedValue).toBe('138****8000');
  });

  it('finds 11111111111 invalid and a placeholder', () => {
    const r = validatePhone('11111111111');
    expect(r.ok).toBe(false);
    expect(rules(r.findings)).toEqual(['PHONE_FORMAT:error', 'PHONE_PLACEHOLDER:warning']);
  });

  it.each([
    ['0755-6226567', '0755-6226567'],
    ['010-62265678', '010-62265678'],
  ])('%s is a valid landline', (input, normalized) => {
    const r = validatePhone(input);
    expect(r).toMatchObject({ ok: true, kind: 'landline', normalized });
    expect(r.findings).toEqual([]);
  });

  it('refuses 021-1234567: two-digit area codes take 8 local digits', () => {
    const r = validatePhone('021-1234567');
    expect(r.ok).toBe(false);
    expect(r.findings[0]).toMatchObject({ rule: 'PHONE_FORMAT', severity: 'error' });
  });
});

describe('mobile numbers', () => {
  it('removes country codes, separators and full-width digits', () => {
    for (const input of [
      '139 1234 5678',
      '139-1234-5678',
      '+86-13912345678',
      '(+86)13912345678',
      '8613912345678',
      '１３９１２３４５６７８',
      '013912345678',
    ]) {
      expect(validatePhone(input).normalized, input).toBe('13912345678');
    }
  });

  it('reports satellite segments 1349 and 174 as warnings', () => {
    for (const input of ['13491234567', '17400012345']) {
      const r = validatePhone(input);
      expect(r).toMatchObject({ ok: true, satellite: true });
      expect(rules(r.findings)).toEqual(['PHONE_FORMAT:warning']);
    }
    expect(validatePhone('13412345678').findings).toEqual([]);
  });

  it('flags placeholders: repeated digits, runs, a segment followed by zeros', () => {
    for (const input of ['12345678901', '13000000000', '13900000000', '10987654321']) {
      expect(validatePhone(input).placeholder, input).toBe(true);
    }
    expect(validatePhone('13912345678').placeholder).toBeUndefined();
  });

  it('refuses wrong lengths, letters and empty values without throwing', () => {
    for (const input of [
      '1391234567',
      '139123456789',
      '139abcd5678',
      '',
      '   ',
      '400-810-8888',
      '62265678',
    ]) {
      const r = validatePhone(input);
      expect(r.ok, input).toBe(false);
      expect(r.findings.every((f) => f.rule === 'PHONE_FORMAT')).toBe(true);
    }
    expect(validatePhone(undefined as unknown as string).ok).toBe(false);
  });

  it('says that digits were lost for a number in Excel scientific notation', () => {
    for (const sci of ['1.70123E+10', '1.39123E+10', '1.39E+10', '１.３９１２３Ｅ+１０']) {
      const r = validatePhone(sci);
      expect(r.ok).toBe(false);
      expect(rules(r.findings)).toEqual(['PHONE_FORMAT:error']);
      expect(r.findings[0]?.reasonEn).toContain('stored as a number in Excel');
      expect(r.findings[0]?.reasonEn).not.toContain('characters other than digits');
      expect(r.findings[0]?.maskedValue).not.toContain('70123');
    }
  });

  it('accepts any number of an allocated voice segment that is not a placeholder (property)', () => {
    const voice = MOBILE_SEGMENTS.filter((s) => s.use === 'voice' && s.prefix.length === 3).map(
      (s) => s.prefix,
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...voice),
        fc.integer({ min: 0, max: 99_999_999 }),
        fc.constantFrom('', ' ', '-'),
        (prefix, rest, sep) => {
          const digits = prefix + String(rest).padStart(8, '0');
          const written = `+86${sep}${digits.slice(0, 3)}${sep}${digits.slice(3, 7)}${sep}${digits.slice(7)}`;
          const r = validatePhone(written);
          expect(r.ok).toBe(true);
          expect(r.normalized).toBe(digits);
          if (!r.placeholder && !digits.startsWith('1349')) expect(r.findings).toEqual([]);
          for (const f of r.findings)
            expect(f.maskedValue).toBe(`${digits.slice(0, 3)}****${digits.slice(7)}`);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('landlines', () => {
  it('reads area code, local number and extension', () => {
    expect(validatePhone('(0755) 6226 567 转 123')).toMatchObject({
      ok: true,
      normalized: '0755-6226567-123',
    });
    expect(validatePhone('010-62265678-8001')).toMatchObject({ ok: true, normalized: '010-62265678-8001' });
    expect(validatePhone('010-62265678 ext. 12')).toMatchObject({ ok: true, normalized: '010-62265678-12' });
    expect(validatePhone('075562265678')).toMatchObject({ ok: true, normalized: '0755-62265678' });
    expect(validatePhone('+86 10 6226 5678')).toMatchObject({ ok: true, normalized: '010-62265678' });
    expect(validatePhone('+86 755 6226567')).toMatchObject({ ok: true, normalized: '0755-6226567' });
  });

  it('refuses impossible area codes and local numbers', () => {
    for (const input of [
      '0011-62265678',
      '011-62265678',
      '010-6226567',
      '0755-622656',
      '0755-622656789',
      '0755-0226567',
    ]) {
      expect(validatePhone(input).ok, input).toBe(false);
    }
  });

  it('flags a local number of repeated or running digits as a placeholder', () => {
    expect(validatePhone('010-88888888')).toMatchObject({ ok: true, placeholder: true });
    expect(validatePhone('0755-2345678')).toMatchObject({ ok: true, placeholder: true });
  });
});

describe('the 11-digit fast path', () => {
  // A leading space sends the same number through the general path (folding, country code,
  // extension, groups): both must give the same result.
  it('agrees with the general path on every 11-digit string starting with 1', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.stringMatching(/^1[0-9]{10}$/),
          fc.constantFrom('13800138000', '11111111111', '12345678901', '13498765432', '14512345678'),
        ),
        (p) => {
          expect(validatePhone(p)).toEqual(validatePhone(` ${p}`));
        },
      ),
      { numRuns: 5000 },
    );
  });
});
