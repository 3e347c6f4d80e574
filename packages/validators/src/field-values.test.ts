import { describe, expect, it } from 'vitest';
import { parseConsent, parseGender } from './field-values.js';

describe('parseGender', () => {
  it.each([
    ['男', 'M'],
    ['女', 'F'],
    ['男性', 'M'],
    ['M', 'M'],
    ['f', 'F'],
    ['Male', 'M'],
    ['1', 'M'],
    ['2', 'F'],
    [' 女 ', 'F'],
    ['Ｍ', 'M'],
  ])('reads %j as %s', (input, expected) => {
    expect(parseGender(input)).toBe(expected);
  });

  it.each(['0', '9', '', '未知', undefined])('does not read %j', (input) => {
    expect(parseGender(input)).toBeUndefined();
  });
});

describe('parseConsent', () => {
  it.each(['是', 'Y', 'yes', 'true', 'TRUE', '1', '同意'])('reads %j as consent', (input) => {
    expect(parseConsent(input)).toBe(true);
  });
  it.each(['否', 'N', 'no', 'false', '0', '不同意'])('reads %j as refusal', (input) => {
    expect(parseConsent(input)).toBe(false);
  });
  it.each(['', 'maybe', undefined])('reads %j as not recorded', (input) => {
    expect(parseConsent(input)).toBeUndefined();
  });
});

describe('values already in normal form', () => {
  it('read the same as with folding', () => {
    for (const v of ['男', '男性', 'M', 'MALE', '1', '女', '女性', 'F', 'FEMALE', '2', '0', '9', 'x']) {
      expect(parseGender(v)).toBe(parseGender(` ${v} `));
    }
    for (const v of [
      '是',
      '同意',
      '已同意',
      'Y',
      'YES',
      'TRUE',
      '1',
      '否',
      '不同意',
      '未同意',
      'N',
      'NO',
      'FALSE',
      '0',
      '?',
    ]) {
      expect(parseConsent(v)).toBe(parseConsent(` ${v} `));
    }
  });
});
