import { describe, expect, it } from 'vitest';
import { findLineLimitViolations } from './line-limit.js';

describe('findLineLimitViolations', () => {
  const id = '11010519491231002X';
  const entries = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      idNumber: id,
      serviceNumber: `1391234567${i}`,
      recordId: `R${i}`,
    }));

  // validation-cases.md, "Record-level": six service numbers on one ID number.
  it('flags six service numbers on one ID number, for review', () => {
    const [v, ...rest] = findLineLimitViolations(entries(6));
    expect(rest).toEqual([]);
    expect(v?.finding).toMatchObject({
      rule: 'ID_LINE_LIMIT',
      severity: 'warning',
      maskedValue: '110105********002X',
    });
    expect(v?.recordIds).toEqual(['R0', 'R1', 'R2', 'R3', 'R4', 'R5']);
  });

  it('allows five, and counts a number sold twice once', () => {
    expect(findLineLimitViolations(entries(5))).toEqual([]);
    expect(
      findLineLimitViolations([
        ...entries(5),
        { idNumber: id, serviceNumber: '13912345670', recordId: 'R9' },
      ]),
    ).toEqual([]);
    expect(findLineLimitViolations(entries(3), 2)).toHaveLength(1);
  });
});
