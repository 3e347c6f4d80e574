import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldName, nfkc } from './text.js';

describe('nfkc', () => {
  it('skips only characters that NFKC leaves alone', () => {
    const ranges: [number, number][] = [
      [0x20, 0x7e],
      [0x3400, 0x4dbf],
      [0x4e00, 0x9fff],
    ];
    for (const [from, to] of ranges) {
      for (let c = from; c <= to; c++) {
        const s = String.fromCharCode(c);
        expect(s.normalize('NFKC')).toBe(s);
        expect(`a${s}b${s}`.normalize('NFKC')).toBe(`a${s}b${s}`);
      }
    }
  });

  it('is String.prototype.normalize("NFKC")', () => {
    const unit = fc.oneof(
      fc.constantFrom(
        '１',
        'Ｘ',
        '\u3000',
        '\uf900',
        'ｶ',
        '\u0301',
        'e',
        '张',
        'ﬁ',
        '①',
        '\ud800',
        '𠈌',
        '·',
        '·',
      ),
      fc.string({ unit: 'grapheme', maxLength: 1 }),
      fc.string({ unit: 'binary', maxLength: 1 }),
    );
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 12 }), (s) => {
        expect(nfkc(s)).toBe(s.normalize('NFKC'));
      }),
      { numRuns: 5000 },
    );
    expect(nfkc('１２Ｘ')).toBe('12X');
    expect(nfkc('北京市\u3000东城区')).toBe('北京市 东城区');
  });

  it('folds names as before', () => {
    expect(foldName(' 阿依古丽・买买提 ')).toBe('阿依古丽·买买提');
    expect(foldName('ｊｏｈｎ smith')).toBe('JOHNSMITH');
    expect(foldName('张三')).toBe('张三');
    const reference = (value: string) =>
      value
        .normalize('NFKC')
        .replace(/\s+/g, '')
        .replace(/[\u00b7\u2022\u30fb\u2027\u22c5.]/g, '·')
        .toUpperCase();
    const unit = fc.oneof(
      fc.constantFrom(
        '张',
        '三',
        'a',
        'Z',
        '.',
        ' ',
        '\u3000',
        '·',
        '・',
        'ｊ',
        'ß',
        'ﬁ',
        'ı',
        '-',
        '\t',
        '𠈌',
      ),
      fc.string({ unit: 'grapheme', maxLength: 1 }),
    );
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 10 }), (s) => {
        expect(foldName(s)).toBe(reference(s));
      }),
      { numRuns: 5000 },
    );
  });
});
