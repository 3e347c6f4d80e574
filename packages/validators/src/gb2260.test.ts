import { describe, expect, it } from 'vitest';
import {
  countyCodes,
  IN_FORCE,
  isKnownRegion,
  isProvincePrefix,
  parseTimeline,
  regionLastYear,
  regionName,
  regionPeriods,
} from './gb2260.js';

describe('GB/T 2260 timeline', () => {
  it('loads every code of the shipped file (7,185 codes)', () => {
    expect(countyCodes().length).toBeGreaterThan(6000);
    let known = 0;
    for (let c = 100000; c < 1000000; c++) if (isKnownRegion(c)) known++;
    expect(known).toBe(7185);
  });

  it('has the 31 mainland provinces and not 71, 81, 82, 83', () => {
    const provinces = [];
    for (let p = 0; p < 100; p++) if (isProvincePrefix(p)) provinces.push(p);
    expect(provinces).toEqual([
      11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54,
      61, 62, 63, 64, 65,
    ]);
    expect(isKnownRegion(710000)).toBe(false);
    expect(isKnownRegion(810000)).toBe(true);
  });

  it('keeps abolished codes with their last year', () => {
    expect(regionLastYear(342401)).toBe(1998);
    expect(regionLastYear(110101)).toBe(IN_FORCE);
    expect(regionLastYear(990426)).toBe(0);
  });

  it('names a code with its province and prefecture, as in force in a given year', () => {
    expect(regionName(110105)).toBe('北京市朝阳区');
    expect(regionName(440308)).toBe('广东省深圳市盐田区');
    expect(regionName(120110, 1985)).toBe('天津市东郊区');
    expect(regionName(120110)).toBe('天津市东丽区');
    expect(regionName(320000)).toBe('江苏省');
    expect(regionName(321119)).toBeUndefined();
    expect(regionPeriods(120110)).toHaveLength(2);
  });

  it('parses a timeline and refuses a malformed line', () => {
    const t = parseTimeline(
      'code\tname\tfrom_year\tto_year\tsource\n110000\t北京市\t\t\tmca\n110103\t崇文区\t\t2009\tmca\n',
    );
    expect(t.lastYear[110103]).toBe(2009);
    expect(t.province[11]).toBe(1);
    expect(() => parseTimeline('header\n11010\tx\t\t\tmca\n')).toThrow(/malformed line 2/);
  });
});
