import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskAddress, maskBankAccount, maskIdNumber, maskName, maskPhone } from './masking.js';

// rulebook §5: "ID 110101********1234, phone 138****8000, bank account ************5678".
describe('masks of the rulebook', () => {
  it('masks an ID number as 110101********1234', () => {
    expect(maskIdNumber('110101199003071234')).toBe('110101********1234');
    expect(maskIdNumber('12345')).toBe('*****');
  });

  // The 18-digit mask shows 10 of 18 characters and none of the birth date (characters 7-14).
  // No other length may show more: a larger share, or a birth-date digit.
  it('hides the whole birth date of a 15-digit ID (characters 7-12) and shows no more than 10/18', () => {
    // 15 × 10/18 = 8.3, so 8 shown: the region and 2 of the 3-digit sequence.
    expect(maskIdNumber('610104620927690')).toBe('610104*******90');
  });

  it('hides characters 7-14 of a 16- or 17-character value, an 18-digit ID short of a digit', () => {
    // 17 × 10/18 = 9.4, so 9 shown; 16 × 10/18 = 8.9, so 8.
    expect(maskIdNumber('61042519880905091')).toBe('610425********091');
    expect(maskIdNumber('6104251988090509')).toBe('610425********09');
  });

  it('shows at most a third of a passport or permit number (8-14 characters)', () => {
    // 港澳居民来往内地通行证 (old booklet, 11): the letter and the last 2, 3 of 11.
    expect(maskIdNumber('H0123456701')).toBe('H********01');
    // Passport E + 8 digits, and the 9-character HK/Macau card: 3 of 9.
    expect(maskIdNumber('E12345678')).toBe('E******78');
    // 台湾居民来往大陆通行证, 8 digits: the last 2 only.
    expect(maskIdNumber('12345678')).toBe('******78');
    // 12 characters: 4 shown, 2 and 2.
    expect(maskIdNumber('AB1234567890')).toBe('AB********90');
  });

  it('shows nothing of a value shorter than 8 characters', () => {
    expect(maskIdNumber('1234567')).toBe('*******');
    expect(maskIdNumber('')).toBe('');
  });

  it('masks a phone as 138****8000', () => {
    expect(maskPhone('13800138000')).toBe('138****8000');
    expect(maskPhone('0755-6226567')).toBe('0755-***6567');
    expect(maskPhone('010-62265678')).toBe('010-****5678');
    expect(maskPhone('')).toBe('');
    // Not an 11-digit mobile: still at least four digits hidden (not `139 ***4 567`).
    expect(maskPhone('139 1234 567')).toBe('13* ***4 567');
    expect(maskPhone('1391234567')).toBe('13****4567');
    expect(maskPhone('139123456')).toBe('1****3456');
  });

  it('masks a bank account as ************5678', () => {
    expect(maskBankAccount('6222021234565678')).toBe('************5678');
    expect(maskBankAccount('123')).toBe('***');
  });

  it('masks names as 张*, 张*明, 欧**明', () => {
    expect(maskName('张三')).toBe('张*');
    expect(maskName('张小明')).toBe('张*明');
    expect(maskName('欧阳小明')).toBe('欧**明');
    expect(maskName('李')).toBe('*');
    expect(maskName('𠈌小明')).toBe('𠈌*明');
  });

  it('keeps the first 6 characters of an address', () => {
    expect(maskAddress('广东省深圳市南山区科技园1号')).toBe('广东省深圳市***');
    expect(maskAddress('北京')).toBe('北***');
  });
});

describe('mask properties', () => {
  it('an ID mask keeps the length and reveals only region and last 4 (never the birth date)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{17}[0-9X]$/), (id) => {
        const m = maskIdNumber(id);
        expect(m).toHaveLength(18);
        expect(m.slice(0, 6)).toBe(id.slice(0, 6));
        expect(m.slice(6, 14)).toBe('********');
        expect(m.slice(14)).toBe(id.slice(14));
      }),
    );
  });

  it('an ID mask of any length keeps the length and shows no larger share than 10 of 18', () => {
    fc.assert(
      // Every prefix of one generated value, so that every length is tried on every run.
      fc.property(fc.stringMatching(/^[0-9A-Z]{30}$/), (value) => {
        for (let n = 0; n <= value.length; n++) {
          const id = value.slice(0, n);
          const m = maskIdNumber(id);
          expect(m).toHaveLength(n);
          const shown = [...m].filter((c) => c !== '*').length;
          expect(shown * 18).toBeLessThanOrEqual(n * 10);
          // What is shown is the value's own characters, in place.
          for (let i = 0; i < n; i++) if (m[i] !== '*') expect(m[i]).toBe(id[i]);
          // A passport or permit (up to 14 characters) shows at most a third.
          if (n < 15) expect(shown * 3).toBeLessThanOrEqual(n);
        }
      }),
    );
  });

  it('an ID mask of 15-17 characters hides every character that may be a birth date', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{15,17}$/), (id) => {
        const m = maskIdNumber(id);
        // 15: YYMMDD at 7-12; 16-17: YYYYMMDD at 7-14 when the missing digit is at the end.
        const end = id.length === 15 ? 12 : 14;
        expect(m.slice(6, end)).toBe('*'.repeat(end - 6));
      }),
    );
  });

  it('a bank account mask reveals only the last 4 digits', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{10,30}$/), (n) => {
        const m = maskBankAccount(n);
        expect(m).toHaveLength(n.length);
        expect(m.slice(-4)).toBe(n.slice(-4));
        expect(/^\*+$/.test(m.slice(0, -4))).toBe(true);
      }),
    );
  });

  it('a mobile mask hides digits 4 to 7', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^1[3-9][0-9]{9}$/), (p) => {
        expect(maskPhone(p)).toBe(`${p.slice(0, 3)}****${p.slice(7)}`);
      }),
    );
  });
});

// The masks as first written, over arrays of code points: the fast paths must agree with them.
const reference = {
  phone(value: string): string {
    const chars = Array.from(value);
    const positions: number[] = [];
    for (let i = 0; i < chars.length; i++) if (/[0-9]/.test(chars[i]!)) positions.push(i);
    const digits = positions.length;
    let head = 3;
    if (chars[0] === '0') head = chars[1] === '1' || chars[1] === '2' ? 3 : 4;
    if (head + 4 >= digits) head = Math.max(0, digits - 4 - Math.ceil(digits / 2));
    const tail = Math.min(4, Math.floor(digits / 2));
    if (chars[0] !== '0' && digits - head - tail < 4) head = Math.max(0, digits - tail - 4);
    positions.forEach((pos, k) => {
      if (k >= head && k < digits - tail) chars[pos] = '*';
    });
    return chars.join('');
  },
  name(value: string): string {
    const chars = Array.from(value.trim());
    if (chars.length <= 1) return '*'.repeat(chars.length);
    if (chars.length === 2) return `${chars[0]}*`;
    return chars[0] + '*'.repeat(chars.length - 2) + chars[chars.length - 1];
  },
  address(value: string): string {
    const chars = Array.from(value.trim());
    const keep = chars.length > 6 ? 6 : Math.floor(chars.length / 2);
    return `${chars.slice(0, keep).join('')}***`;
  },
};

describe('masks agree with the code-point definitions', () => {
  const text = fc.string({
    unit: fc.oneof(
      fc.constantFrom('0', '1', '2', '5', '9', '-', ' ', '(', ')', '+', '张', '·', '𠈌', '\ud800', 'x'),
      fc.string({ unit: 'grapheme', maxLength: 1 }),
    ),
    maxLength: 24,
  });

  it('maskPhone', () => {
    fc.assert(
      fc.property(text, (s) => {
        expect(maskPhone(s)).toBe(reference.phone(s));
      }),
      { numRuns: 3000 },
    );
    for (const s of ['', '0', '01', '02', '0755', '13800138000', '0755-6226567-123', '+86 139 1234 5678'])
      expect(maskPhone(s)).toBe(reference.phone(s));
  });

  it('maskName', () => {
    fc.assert(
      fc.property(text, (s) => {
        expect(maskName(s)).toBe(reference.name(s));
      }),
      { numRuns: 3000 },
    );
  });

  it('maskAddress', () => {
    fc.assert(
      fc.property(text, (s) => {
        expect(maskAddress(s)).toBe(reference.address(s));
      }),
      { numRuns: 3000 },
    );
  });
});
