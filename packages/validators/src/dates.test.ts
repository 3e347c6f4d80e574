import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  civilFromDays,
  daysFromCivil,
  excelSerialToDate,
  isRealDate,
  parseDate,
  resolveToday,
  todayInShanghai,
} from './dates.js';

describe('calendar', () => {
  it('knows leap days', () => {
    expect(isRealDate(1900, 2, 29)).toBe(false);
    expect(isRealDate(2000, 2, 29)).toBe(true);
    expect(isRealDate(2024, 2, 29)).toBe(true);
    expect(isRealDate(2023, 2, 29)).toBe(false);
    expect(isRealDate(1999, 2, 30)).toBe(false);
    expect(isRealDate(1999, 4, 31)).toBe(false);
    expect(isRealDate(1999, 13, 1)).toBe(false);
    expect(isRealDate(1999, 0, 1)).toBe(false);
    expect(isRealDate(1999, 1, 0)).toBe(false);
  });

  it('converts days and civil dates both ways, agreeing with Date.UTC', () => {
    fc.assert(
      fc.property(fc.integer({ min: -100_000, max: 100_000 }), (days) => {
        const ymd = civilFromDays(days);
        const y = Math.floor(ymd / 10000);
        const m = Math.floor(ymd / 100) % 100;
        const d = ymd % 100;
        expect(daysFromCivil(y, m, d)).toBe(days);
        expect(Date.UTC(y, m - 1, d) / 86_400_000).toBe(days);
      }),
    );
  });

  it('gives today in Asia/Shanghai', () => {
    const shanghai = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    expect(todayInShanghai()).toBe(Number(shanghai.replaceAll('-', '')));
  });

  it('refuses an injected today that is not a date (a caller bug)', () => {
    expect(resolveToday('2024-02-29')).toBe(20240229);
    expect(() => resolveToday('2023-02-29')).toThrow(RangeError);
  });
});

describe('parseDate', () => {
  it.each([
    ['1990-03-07', '1990-03-07'],
    ['1990/03/07', '1990-03-07'],
    ['1990/3/7', '1990-03-07'],
    ['1990.03.07', '1990-03-07'],
    ['1990年3月7日', '1990-03-07'],
    ['19900307', '1990-03-07'],
    ['１９９０－０３－０７', '1990-03-07'],
    ['1990-03-07T00:00:00+08:00', '1990-03-07'],
    ['1990-03-07 12:30:00', '1990-03-07'],
    [' 1990-03-07 ', '1990-03-07'],
    ['32939', '1990-03-07'],
    ['32939.5', '1990-03-07'],
  ])('reads %j as %s', (input, expected) => {
    expect(parseDate(input)).toBe(expected);
  });

  it.each(['', '1990-02-30', '19900230', '1990-13-01', 'yesterday', '07/03/1990', '123456789', '60'])(
    'refuses %j',
    (input) => {
      expect(parseDate(input)).toBeUndefined();
    },
  );

  it('reads Excel serials with the 1900 leap-year bug: 59 is 1900-02-28, 60 does not exist, 61 is 1900-03-01', () => {
    expect(excelSerialToDate(1)).toBe('1900-01-01');
    expect(excelSerialToDate(59)).toBe('1900-02-28');
    expect(excelSerialToDate(60)).toBeUndefined();
    expect(excelSerialToDate(61)).toBe('1900-03-01');
    expect(excelSerialToDate(45292)).toBe('2024-01-01');
    expect(parseDate(45292)).toBe('2024-01-01');
    expect(excelSerialToDate(0)).toBeUndefined();
    expect(parseDate(undefined)).toBeUndefined();
  });
});

describe('the YYYY-MM-DD fast path', () => {
  // A leading space sends the same text through the general path (NFKC, trim, patterns).
  it('agrees with the general path', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/), (s) => {
        expect(parseDate(s)).toBe(parseDate(` ${s}`));
      }),
      { numRuns: 5000 },
    );
    expect(parseDate('2024-02-29')).toBe('2024-02-29');
    expect(parseDate('2023-02-29')).toBeUndefined();
    expect(parseDate('0000-01-01')).toBe('0000-01-01');
    expect(parseDate('1990-3-07x')).toBeUndefined();
  });
});
