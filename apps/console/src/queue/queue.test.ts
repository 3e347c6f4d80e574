import { createCalendar } from '@custodian/core';
import { describe, expect, it } from 'vitest';
import { deadlineOf } from './deadline.js';
import { parseQueueQuery, queueQueryString } from './queue-query.js';

const calendar = createCalendar({ onUncoveredYear: () => undefined });

describe('deadline state in working days', () => {
  // 2026-11-20 is a Friday; 2026-11-23 the Monday after.
  it('counts working days left, skipping the weekend', () => {
    expect(
      deadlineOf({ status: 'open', due_on: '2026-11-23', closed_at: null }, '2026-11-20', calendar),
    ).toEqual({
      kind: 'onTime',
      workingDaysLeft: 1,
    });
  });

  it('is due today on the due date and overdue after it', () => {
    expect(
      deadlineOf({ status: 'assigned', due_on: '2026-11-20', closed_at: null }, '2026-11-20', calendar).kind,
    ).toBe('dueToday');
    expect(
      deadlineOf({ status: 'open', due_on: '2026-11-20', closed_at: null }, '2026-11-24', calendar),
    ).toEqual({
      kind: 'overdue',
      workingDaysLate: 2,
    });
    // The Saturday after a Friday deadline: no working day has passed, but it is late.
    expect(
      deadlineOf({ status: 'open', due_on: '2026-11-20', closed_at: null }, '2026-11-21', calendar),
    ).toEqual({
      kind: 'overdue',
      workingDaysLate: 1,
    });
  });

  it('judges closed flags by their Shanghai closing date', () => {
    // 2026-11-20T15:30Z is 23:30 on the 20th in Shanghai: kept; 16:30Z is the 21st: late.
    expect(
      deadlineOf(
        { status: 'closed', due_on: '2026-11-20', closed_at: '2026-11-20T15:30:00Z' },
        '2026-11-30',
        calendar,
      ).kind,
    ).toBe('kept');
    expect(
      deadlineOf(
        { status: 'closed', due_on: '2026-11-20', closed_at: '2026-11-20T16:30:00Z' },
        '2026-11-30',
        calendar,
      ).kind,
    ).toBe('late');
  });
});

describe('queue query', () => {
  it('falls back to defaults for anything outside the whitelists', () => {
    const q = parseQueueQuery(
      new URLSearchParams({
        sort: 'flag_id; drop table flags',
        dir: 'desc;--',
        status: "open' or 1=1",
        due: 'x',
        severity: 'bad',
        page: '-3',
      }),
    );
    expect(q).toMatchObject({ sort: 'due', dir: 'asc', status: 'active', due: '', severity: '', page: 1 });
  });

  it('keeps free-text filters as values (bound later as parameters), trimmed and bounded', () => {
    const q = parseQueueQuery(new URLSearchParams({ rule: ` ' OR 1=1 -- `, channel: 'x'.repeat(500) }));
    expect(q.rule).toBe(`' OR 1=1 --`);
    expect(q.channel).toHaveLength(100);
  });

  it('round-trips through its query string', () => {
    const q = parseQueueQuery(
      new URLSearchParams('rule=DUP_PHONE&status=resolved&due=overdue&sort=severity&dir=desc&page=3'),
    );
    expect(parseQueueQuery(new URLSearchParams(queueQueryString(q).slice(1)))).toEqual(q);
    expect(queueQueryString(parseQueueQuery(new URLSearchParams()))).toBe('');
  });
});
