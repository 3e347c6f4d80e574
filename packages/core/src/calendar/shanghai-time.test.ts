import { describe, expect, it } from 'vitest';
import { CustodianError } from '../errors.js';
import { shanghaiDate, shanghaiTimeOfDay } from './shanghai-time.js';

const reference = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  weekday: 'short',
});
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function viaIntl(ms: number) {
  const p = Object.fromEntries(reference.formatToParts(ms).map((part) => [part.type, part.value]));
  return {
    date: `${p['year']}-${p['month']}-${p['day']}`,
    hour: Number(p['hour']),
    minute: Number(p['minute']),
    weekday: WEEKDAYS.indexOf(p['weekday']!),
  };
}

describe('shanghaiDate / shanghaiTimeOfDay', () => {
  it('reads the date in Shanghai, not in UTC', () => {
    expect(shanghaiDate('2025-09-30T16:30:00Z')).toBe('2025-10-01');
    expect(shanghaiDate('2025-09-30T15:59:59.999Z')).toBe('2025-09-30');
    expect(shanghaiDate('2025-10-01T00:30:00+08:00')).toBe('2025-10-01');
    expect(shanghaiDate(new Date('2024-12-31T16:00:00Z'))).toBe('2025-01-01');
    expect(shanghaiDate('2025-01-01T01:00:00-05:00')).toBe('2025-01-01');
  });

  it('gives hour, minute and weekday', () => {
    // Saturday 23:59 UTC is Sunday 07:59 in Shanghai (2025-01-26, a 调休 working Sunday).
    expect(shanghaiTimeOfDay('2025-01-25T23:59:00Z')).toEqual({
      date: '2025-01-26',
      hour: 7,
      minute: 59,
      weekday: 0,
    });
    expect(shanghaiTimeOfDay('2025-03-03T10:05:00+08:00')).toEqual({
      date: '2025-03-03',
      hour: 10,
      minute: 5,
      weekday: 1,
    });
  });

  it('agrees with the tz database on instants from 1992 to 2040', () => {
    let seed = 20251001;
    const from = Date.UTC(1992, 0, 1);
    const span = Date.UTC(2040, 0, 1) - from;
    for (let i = 0; i < 5000; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      const ms = from + Math.floor((seed / 2147483648) * span);
      expect(shanghaiTimeOfDay(new Date(ms)), new Date(ms).toISOString()).toEqual(viaIntl(ms));
    }
  });

  it('follows the 1986-1991 daylight saving time through the tz database', () => {
    // 1988-07-01 00:30 UTC: UTC+9 in summer 1988.
    expect(shanghaiTimeOfDay('1988-07-01T00:30:00Z')).toEqual(viaIntl(Date.UTC(1988, 6, 1, 0, 30)));
    expect(shanghaiTimeOfDay('1988-07-01T00:30:00Z').hour).toBe(9);
  });

  it('refuses strings without a zone and invalid instants', () => {
    for (const bad of [
      '2025-01-01 08:00:00',
      '2025-01-01T08:00:00',
      '2025-01-01',
      'yesterday',
      '2025-13-01T00:00:00Z',
    ]) {
      expect(() => shanghaiDate(bad), bad).toThrow(CustodianError);
    }
    expect(() => shanghaiDate(new Date(Number.NaN))).toThrow(/not an instant/);
  });
});
