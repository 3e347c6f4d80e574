import { describe, expect, it } from 'vitest';
import {
  isoWeeksInYear,
  parsePeriod,
  periodContaining,
  periodDays,
  periodInstants,
  periodSeries,
  previousPeriod,
} from './periods.js';

describe('periods', () => {
  it('parses a day, an ISO week, a month and a quarter', () => {
    expect(parsePeriod('2026-11-21')).toEqual({
      kind: 'day',
      key: '2026-11-21',
      from: '2026-11-21',
      to: '2026-11-21',
    });
    expect(parsePeriod('2026-W47')).toEqual({
      kind: 'week',
      key: '2026-W47',
      from: '2026-11-16',
      to: '2026-11-22',
    });
    expect(parsePeriod('2026-11')).toEqual({
      kind: 'month',
      key: '2026-11',
      from: '2026-11-01',
      to: '2026-11-30',
    });
    expect(parsePeriod('2026-Q4')).toEqual({
      kind: 'quarter',
      key: '2026-Q4',
      from: '2026-10-01',
      to: '2026-12-31',
    });
    expect(parsePeriod('2024-02').to).toBe('2024-02-29');
    expect(parsePeriod('2026-w5').key).toBe('2026-W05');
  });

  it('follows ISO 8601 weeks across year ends', () => {
    // 2026-01-01 is a Thursday: week 1 starts Monday 2025-12-29.
    expect(parsePeriod('2026-W01')).toMatchObject({ from: '2025-12-29', to: '2026-01-04' });
    expect(periodContaining('week', '2025-12-31').key).toBe('2026-W01');
    // 2027-01-01 is a Friday: it belongs to the last week of 2026 (53 weeks).
    expect(isoWeeksInYear(2026)).toBe(53);
    expect(periodContaining('week', '2027-01-01').key).toBe('2026-W53');
    expect(parsePeriod('2026-W53')).toMatchObject({ from: '2026-12-28', to: '2027-01-03' });
    expect(isoWeeksInYear(2025)).toBe(52);
  });

  it('refuses what is not a period', () => {
    for (const bad of [
      '2026-02-30',
      '2026-13',
      '2026-Q5',
      '2025-W53',
      '2026-W00',
      '26-11',
      'last month',
      '',
    ]) {
      expect(() => parsePeriod(bad), bad).toThrow(/not a period/);
    }
  });

  it('quotes a phone or ID number given as the period masked, not as typed', () => {
    // echoValue: 11 characters keep 2 at each end; 18 too.
    expect(() => parsePeriod('13812345678')).toThrow(/^"13\*{7}78" is not a period: expected 2026-11-21/);
    expect(() => parsePeriod('610425198809050918')).toThrow(/^"61\*{14}18" is not a period/);
  });

  it('steps back to previous periods and builds trend series', () => {
    expect(previousPeriod(parsePeriod('2026-01')).key).toBe('2025-12');
    expect(previousPeriod(parsePeriod('2026-Q1')).key).toBe('2025-Q4');
    expect(previousPeriod(parsePeriod('2026-W01')).key).toBe('2025-W52');
    expect(previousPeriod(parsePeriod('2026-03-01')).key).toBe('2026-02-28');
    expect(periodSeries(parsePeriod('2026-02'), 3).map((p) => p.key)).toEqual([
      '2025-12',
      '2026-01',
      '2026-02',
    ]);
    expect(periodDays(parsePeriod('2026-Q1'))).toBe(90);
  });

  it('gives half-open instant bounds in Asia/Shanghai', () => {
    expect(periodInstants(parsePeriod('2026-11'))).toEqual({
      start: '2026-11-01T00:00:00+08:00',
      end: '2026-12-01T00:00:00+08:00',
    });
  });
});
