import { describe, expect, it } from 'vitest';
import { auditorConfigSchema } from '../config.js';
import type { RawEvent } from '../input/log-reader.js';
import { openLogStream } from '../input/log-stream.js';
import type { ApprovalEntry, StaffEntry } from '../input/master-data.js';
import { scoreOf } from './drafts.js';
import { AuditEngine, type EngineResult } from './engine.js';
import { RecordDirectory } from './record-directory.js';

// 2026-11-16 is a Monday, 2026-11-21 a Saturday; November 2026 has no public holiday.
const isWorkingDay = (d: string) => {
  const wd = new Date(`${d}T00:00:00Z`).getUTCDay();
  return wd !== 0 && wd !== 6;
};

function staff(id: string, over: Partial<StaffEntry> = {}): StaffEntry {
  return {
    operator_id: id,
    name_masked: '张*',
    department: '客户服务部',
    branch: '北京分公司',
    role: '业务员',
    clearance: '普通',
    status: 'active',
    status_since: null,
    ...over,
  };
}

function approval(id: string, op: string, over: Partial<ApprovalEntry> = {}): ApprovalEntry {
  return {
    approval_id: id,
    operator_id: op,
    kind: 'export',
    scope: 'all',
    purpose: null,
    approved_by: 'MGR',
    valid_from: '2026-11-01',
    valid_to: '2026-11-30',
    max_records: null,
    ...over,
  };
}

function ev(ts: string, op: string, action: string, extra: Partial<RawEvent> = {}): RawEvent {
  return { ts: `2026-11-${ts}+08:00`, operator_id: op, action, client_ip: '10.1.1.1', ...extra };
}

async function audit(
  events: RawEvent[],
  opts: {
    staff?: StaffEntry[];
    approvals?: ApprovalEntry[];
    records?: [string, number, string | null][];
    config?: Record<string, unknown>;
    history?: Map<string, { day: string; records: number }[]>;
    asOf?: number;
  } = {},
): Promise<EngineResult> {
  const records = new RecordDirectory();
  for (const [a, s, b] of opts.records ?? []) records.add(a, s, b);
  const engine = new AuditEngine({
    config: auditorConfigSchema.parse(opts.config ?? {}),
    isWorkingDay,
    staff: opts.staff ?? [staff('A'), staff('B')],
    approvals: opts.approvals ?? [],
    records,
    ...(opts.history ? { history: opts.history } : {}),
  });
  const stream = openLogStream({ files: [], extra: { label: 'test', events }, workers: 0 });
  for await (const b of stream.batches) engine.processBatch(b);
  return engine.finish(opts.asOf);
}

const codes = (r: EngineResult) => r.drafts.map((d) => `${d.operatorId}|${d.code}|${d.day}`).sort();

describe('approval ledger join', () => {
  it('raises ACCESS_WITHOUT_APPROVAL for an export with no approval', async () => {
    const r = await audit([ev('16T10:00:00', 'A', 'export', { archive_no: 'KH000000010', record_count: 5 })]);
    expect(codes(r)).toEqual(['A|ACCESS_WITHOUT_APPROVAL|2026-11-16']);
    expect(r.drafts[0]!.findings).toEqual({ no_approval: 1 });
  });

  it('accepts an export covered by a valid approval, and a plain view needs none', async () => {
    const r = await audit(
      [
        ev('16T10:00:00', 'A', 'export', { archive_no: 'KH000000010', record_count: 5, approval_id: 'E1' }),
        ev('16T10:05:00', 'B', 'view', { archive_no: 'KH000000011' }),
      ],
      { approvals: [approval('E1', 'A')] },
    );
    expect(codes(r)).toEqual([]);
    expect(r.approvalUsage).toEqual([{ approvalId: 'E1', used: 5 }]);
  });

  it('tells expired, not yet valid, out of scope, over quota and escalation apart', async () => {
    const r = await audit(
      [
        ev('16T10:00:00', 'A', 'export', { archive_no: 'KH000000010', approval_id: 'OLD' }),
        ev('16T10:01:00', 'A', 'export', { archive_no: 'KH000000010', approval_id: 'NEW' }),
        ev('16T10:02:00', 'B', 'export', { archive_no: 'KH000000099', approval_id: 'LIST' }),
        ev('16T10:03:00', 'B', 'export', { archive_no: 'KH000000001', record_count: 8, approval_id: 'LIST' }),
        ev('16T10:04:00', 'B', 'export', { archive_no: 'KH000000002', record_count: 8, approval_id: 'LIST' }),
        ev('16T10:05:00', 'B', 'view', { archive_no: 'KH000000003', approval_id: 'Q' }),
        ev('16T10:06:00', 'B', 'export', { archive_no: 'KH000000003', approval_id: 'Q' }),
      ],
      {
        approvals: [
          approval('OLD', 'A', { valid_from: '2026-10-01', valid_to: '2026-11-10' }),
          approval('NEW', 'A', { valid_from: '2026-11-20', valid_to: '2026-11-30' }),
          approval('LIST', 'B', { scope: 'KH000000001;KH000000002', max_records: 10 }),
          approval('Q', 'B', { kind: 'query', scope: 'KH000000003' }),
        ],
      },
    );
    const a = r.drafts.find((d) => d.operatorId === 'A')!;
    expect(a.code).toBe('ACCESS_WITHOUT_APPROVAL');
    expect(a.findings).toEqual({ expired: 1, not_yet_valid: 1 });
    const b = r.drafts.find((d) => d.operatorId === 'B')!;
    expect(b.code).toBe('APPROVAL_SCOPE_EXCEEDED');
    expect(b.findings).toEqual({ out_of_scope: 1, over_quota: 1, escalation: 1 });
  });

  it('calls an uncited export by a holder of a print approval no approval; escalation needs the approval tied to the access', async () => {
    const r = await audit(
      [
        // A holds a branch-wide print approval and exports citing nothing: no approval for it.
        ev('16T10:00:00', 'A', 'export', { archive_no: 'KH000000010', record_count: 20 }),
        // B cites the print approval for an export, and exports a record its query approval names.
        ev('16T10:01:00', 'B', 'export', { archive_no: 'KH000000011', approval_id: 'P-B' }),
        ev('16T10:02:00', 'B', 'export', { archive_no: 'KH000000012' }),
      ],
      {
        approvals: [
          approval('P-A', 'A', { kind: 'print', scope: 'branch:北京分公司' }),
          approval('P-B', 'B', { kind: 'print', scope: 'branch:北京分公司' }),
          approval('Q-B', 'B', { kind: 'query', scope: 'KH000000012' }),
        ],
      },
    );
    expect(codes(r)).toEqual([
      'A|ACCESS_WITHOUT_APPROVAL|2026-11-16',
      'B|APPROVAL_SCOPE_EXCEEDED|2026-11-16',
    ]);
    expect(r.drafts.find((d) => d.operatorId === 'A')!.findings).toEqual({ no_approval: 1 });
    expect(r.drafts.find((d) => d.operatorId === 'B')!.findings).toEqual({ escalation: 2 });
  });

  it("refuses someone else's approval and an unknown approval id", async () => {
    const r = await audit(
      [
        ev('16T10:00:00', 'A', 'print', { archive_no: 'KH000000010', approval_id: 'P-B' }),
        ev('16T10:01:00', 'A', 'print', { archive_no: 'KH000000010', approval_id: 'NOPE' }),
      ],
      { approvals: [approval('P-B', 'B', { kind: 'print' })] },
    );
    expect(r.drafts[0]!.findings).toEqual({ other_operator: 1, unknown_approval: 1 });
  });

  it('needs an approval for 机密 records and for large queries, not for small ones', async () => {
    const r = await audit(
      [
        ev('16T10:00:00', 'A', 'view', { archive_no: 'KH000000500' }),
        ev('16T10:01:00', 'B', 'query', { record_count: 500 }),
        ev('16T10:02:00', 'B', 'query', { record_count: 50 }),
      ],
      { staff: [staff('A', { clearance: '绝密' }), staff('B')], records: [['KH000000500', 2, null]] },
    );
    expect(codes(r)).toEqual([
      'A|ACCESS_WITHOUT_APPROVAL|2026-11-16',
      'B|ACCESS_WITHOUT_APPROVAL|2026-11-16',
    ]);
  });

  it('raises DELETION_WITHOUT_APPROVAL, not for an approved deletion', async () => {
    const r = await audit(
      [
        ev('16T10:00:00', 'A', 'delete', { archive_no: 'KH000000010' }),
        ev('16T10:00:00', 'B', 'delete', { archive_no: 'KH000000011', approval_id: 'D' }),
      ],
      { approvals: [approval('D', 'B', { kind: 'delete' })] },
    );
    expect(codes(r)).toEqual(['A|DELETION_WITHOUT_APPROVAL|2026-11-16']);
  });

  it('accepts exports up to the quota exactly, on the first and last day of the window; one record or one day more is not', async () => {
    const r = await audit(
      [
        // A: 4 + 6 = 10 records of a 10-record quota, on the window's first and last day, cited or not.
        ev('16T08:30:00', 'A', 'export', { archive_no: 'KH000000001', record_count: 4, approval_id: 'QA' }),
        ev('17T17:59:00', 'A', 'export', { archive_no: 'KH000000002', record_count: 6 }),
        // B: the same approval shape, 4 + 7 = 11 records, then a day after the window.
        ev('16T09:00:00', 'B', 'export', { archive_no: 'KH000000001', record_count: 4, approval_id: 'QB' }),
        ev('17T10:00:00', 'B', 'export', { archive_no: 'KH000000002', record_count: 7, approval_id: 'QB' }),
        ev('18T10:00:00', 'B', 'export', { archive_no: 'KH000000001', approval_id: 'QB' }),
      ],
      {
        approvals: ['A', 'B'].map((op) =>
          approval(`Q${op}`, op, {
            scope: 'KH000000001;KH000000002',
            valid_from: '2026-11-16',
            valid_to: '2026-11-17',
            max_records: 10,
          }),
        ),
      },
    );
    expect(codes(r)).toEqual([
      'B|ACCESS_WITHOUT_APPROVAL|2026-11-18',
      'B|APPROVAL_SCOPE_EXCEEDED|2026-11-17',
    ]);
    expect(r.drafts.find((d) => d.code === 'APPROVAL_SCOPE_EXCEEDED')!.findings).toEqual({ over_quota: 1 });
    expect(r.drafts.find((d) => d.code === 'ACCESS_WITHOUT_APPROVAL')!.findings).toEqual({ expired: 1 });
    expect(r.approvalUsage).toEqual([
      { approvalId: 'QA', used: 10 },
      { approvalId: 'QB', used: 4 },
    ]);
  });

  it('accepts a branch-scoped export of a record of that branch; one of another branch is out of scope', async () => {
    const r = await audit(
      [
        ev('16T10:00:00', 'A', 'export', { archive_no: 'KH000000001', approval_id: 'BR' }),
        ev('16T10:01:00', 'A', 'export', { archive_no: 'KH000000002', approval_id: 'BR' }),
      ],
      {
        approvals: [approval('BR', 'A', { scope: 'branch:北京分公司' })],
        records: [
          ['KH000000001', 0, '北京分公司'],
          ['KH000000002', 0, '上海分公司'],
        ],
      },
    );
    expect(codes(r)).toEqual(['A|APPROVAL_SCOPE_EXCEEDED|2026-11-16']);
    expect(r.drafts[0]!.findings).toEqual({ out_of_scope: 1 });
    expect([...r.drafts[0]!.archives]).toEqual(['KH000000002']);
  });

  it('judges the approval window on the Shanghai day, whatever the offset written', async () => {
    const r = await audit(
      [
        // 15:59Z is 23:59 on the 16th in Shanghai (inside the window); 16:00Z is 00:00 on the 17th.
        {
          ts: '2026-11-16T15:59:00Z',
          operator_id: 'A',
          action: 'export',
          archive_no: 'KH1',
          approval_id: 'E',
        },
        {
          ts: '2026-11-16T16:00:00Z',
          operator_id: 'B',
          action: 'export',
          archive_no: 'KH1',
          approval_id: 'F',
        },
      ],
      {
        approvals: [
          approval('E', 'A', { valid_to: '2026-11-16' }),
          approval('F', 'B', { valid_to: '2026-11-16' }),
        ],
      },
    );
    expect(codes(r).filter((c) => !c.includes('OFF_HOURS'))).toEqual([
      'B|ACCESS_WITHOUT_APPROVAL|2026-11-17',
    ]);
    expect(r.drafts.find((d) => d.code === 'ACCESS_WITHOUT_APPROVAL')!.findings).toEqual({ expired: 1 });
  });

  it('needs an approval for a query of 101 records, not of 100, nor for a 秘密 record', async () => {
    const r = await audit(
      [
        ev('16T10:00:00', 'A', 'query', { record_count: 100 }),
        ev('16T10:01:00', 'A', 'view', { archive_no: 'KH000000501' }),
        ev('16T10:02:00', 'B', 'query', { record_count: 101 }),
      ],
      {
        staff: [staff('A', { clearance: '秘密' }), staff('B')],
        records: [['KH000000501', 1, null]],
      },
    );
    expect(codes(r)).toEqual(['B|ACCESS_WITHOUT_APPROVAL|2026-11-16']);
  });

  it('raises DELETION_WITHOUT_APPROVAL for a deletion outside the approved list or after it expired', async () => {
    const r = await audit(
      [
        ev('16T10:00:00', 'A', 'delete', { archive_no: 'KH000000011', approval_id: 'D' }),
        ev('16T10:01:00', 'A', 'delete', { archive_no: 'KH000000012', approval_id: 'D' }),
        ev('18T10:00:00', 'A', 'delete', { archive_no: 'KH000000011', approval_id: 'D' }),
      ],
      { approvals: [approval('D', 'A', { kind: 'delete', scope: 'KH000000011', valid_to: '2026-11-17' })] },
    );
    expect(codes(r)).toEqual([
      'A|DELETION_WITHOUT_APPROVAL|2026-11-16',
      'A|DELETION_WITHOUT_APPROVAL|2026-11-18',
    ]);
    expect(r.drafts.map((d) => d.findings)).toEqual([{ out_of_scope: 1 }, { expired: 1 }]);
  });
});

describe('point-in-time staff state', () => {
  it('raises ACCESS_AFTER_DEPARTURE from status_since on, not before', async () => {
    const r = await audit(
      [
        ev('16T10:00:00', 'A', 'view', { archive_no: 'KH000000010' }),
        ev('18T10:00:00', 'A', 'login'),
        ev('18T10:01:00', 'A', 'view', { archive_no: 'KH000000010' }),
      ],
      { staff: [staff('A', { status: 'left', status_since: '2026-11-17' })] },
    );
    expect(codes(r)).toEqual(['A|ACCESS_AFTER_DEPARTURE|2026-11-18']);
    expect(r.drafts[0]!.eventCount).toBe(2);
  });

  it("keeps a transferred person's access to the new branch only", async () => {
    const r = await audit(
      [
        ev('18T10:00:00', 'A', 'view', { archive_no: 'KH000000001' }),
        ev('18T10:01:00', 'A', 'view', { archive_no: 'KH000000002' }),
        ev('16T10:01:00', 'A', 'view', { archive_no: 'KH000000002' }),
      ],
      {
        staff: [staff('A', { status: 'transferred', status_since: '2026-11-17', branch: '上海分公司' })],
        records: [
          ['KH000000001', 0, '上海分公司'],
          ['KH000000002', 0, '北京分公司'],
        ],
      },
    );
    expect(codes(r)).toEqual(['A|ACCESS_AFTER_DEPARTURE|2026-11-18']);
    expect([...r.drafts[0]!.archives]).toEqual(['KH000000002']);
  });

  it('does not raise ACCESS_AFTER_DEPARTURE in the last minute before status_since (Shanghai day), raises it in the first', async () => {
    const r = await audit(
      [
        // 15:59Z is 23:59 on the 16th in Shanghai, 16:00Z is midnight, the 17th.
        { ts: '2026-11-16T15:59:00Z', operator_id: 'A', action: 'view', archive_no: 'KH000000010' },
        { ts: '2026-11-16T16:00:00Z', operator_id: 'B', action: 'view', archive_no: 'KH000000010' },
      ],
      {
        staff: [
          staff('A', { status: 'left', status_since: '2026-11-17' }),
          staff('B', { status: 'left', status_since: '2026-11-17' }),
        ],
      },
    );
    expect(codes(r)).toEqual(['B|ACCESS_AFTER_DEPARTURE|2026-11-17']);
  });

  it('lets a transferred person read the new branch from status_since on, and the old one before it; an unknown branch is not judged', async () => {
    const r = await audit(
      [
        ev('16T17:00:00', 'A', 'view', { archive_no: 'KH000000002' }),
        ev('17T08:30:00', 'A', 'view', { archive_no: 'KH000000001' }),
        ev('17T09:00:00', 'A', 'view', { archive_no: 'KH000000003' }),
      ],
      {
        staff: [staff('A', { status: 'transferred', status_since: '2026-11-17', branch: '上海分公司' })],
        records: [
          ['KH000000001', 0, '上海分公司'],
          ['KH000000002', 0, '北京分公司'],
        ],
      },
    );
    expect(codes(r)).toEqual([]);
    expect(r.stats.transferUnjudged).toBe(1);
  });
});

describe('clearance', () => {
  it('raises CLEARANCE_VIOLATION above clearance only', async () => {
    const r = await audit(
      [
        ev('16T10:00:00', 'A', 'view', { archive_no: 'KH000000007' }),
        ev('16T10:00:00', 'B', 'view', { archive_no: 'KH000000007' }),
      ],
      { staff: [staff('A'), staff('B', { clearance: '秘密' })], records: [['KH000000007', 1, null]] },
    );
    expect(codes(r)).toEqual(['A|CLEARANCE_VIOLATION|2026-11-16']);
  });

  it('lets 绝密 clearance read a 绝密 record; 机密 clearance on it is a violation weighing 1.5', async () => {
    const r = await audit(
      [
        ev('16T10:00:00', 'A', 'view', { archive_no: 'KH000000008', approval_id: 'QA' }),
        ev('16T10:00:00', 'B', 'view', { archive_no: 'KH000000008', approval_id: 'QB' }),
      ],
      {
        staff: [staff('A', { clearance: '绝密' }), staff('B', { clearance: '机密' })],
        records: [['KH000000008', 3, null]],
        approvals: [
          approval('QA', 'A', { kind: 'query', scope: 'KH000000008' }),
          approval('QB', 'B', { kind: 'query', scope: 'KH000000008' }),
        ],
      },
    );
    expect(codes(r)).toEqual(['B|CLEARANCE_VIOLATION|2026-11-16']);
    expect(r.drafts[0]!.factor).toBe(1.5);
  });
});

describe('loans', () => {
  it('raises LOAN_OVERDUE for a late return and for a loan still open at audit time, not for a prompt return', async () => {
    const r = await audit(
      [
        ev('02T10:00:00', 'A', 'borrow', { archive_no: 'KH000000001', approval_id: 'L' }),
        ev('09T10:00:00', 'A', 'return', { archive_no: 'KH000000001' }),
        ev('10T10:00:00', 'B', 'borrow', { archive_no: 'KH000000002', approval_id: 'L2' }),
        ev('11T10:00:00', 'B', 'return', { archive_no: 'KH000000002' }),
        ev('16T10:00:00', 'B', 'borrow', { archive_no: 'KH000000003', approval_id: 'L2' }),
        ev('25T10:00:00', 'B', 'view', { archive_no: 'KH000000004' }),
      ],
      {
        approvals: [approval('L', 'A', { kind: 'borrow' }), approval('L2', 'B', { kind: 'borrow' })],
      },
    );
    expect(codes(r)).toEqual(['A|LOAN_OVERDUE|2026-11-05', 'B|LOAN_OVERDUE|2026-11-19']);
    expect(r.drafts.find((d) => d.operatorId === 'B')!.findings).toEqual({ still_open: 1 });
    expect(r.openLoans.map((l) => l.archive)).toEqual(['KH000000003']);
  });

  it('takes a return at exactly 72 hours as on time, a minute later as late; an open loan is not overdue before its due time', async () => {
    const r = await audit(
      [
        ev('02T10:00:00', 'A', 'borrow', { archive_no: 'KH000000001', approval_id: 'L' }),
        ev('05T10:00:00', 'A', 'return', { archive_no: 'KH000000001' }),
        ev('02T10:00:00', 'B', 'borrow', { archive_no: 'KH000000002', approval_id: 'L2' }),
        ev('05T10:01:00', 'B', 'return', { archive_no: 'KH000000002' }),
        ev('16T10:00:00', 'A', 'borrow', { archive_no: 'KH000000003', approval_id: 'L' }),
      ],
      {
        approvals: [approval('L', 'A', { kind: 'borrow' }), approval('L2', 'B', { kind: 'borrow' })],
        asOf: Date.parse('2026-11-19T10:00:00+08:00'),
      },
    );
    expect(codes(r)).toEqual(['B|LOAN_OVERDUE|2026-11-05']);
    expect(r.drafts[0]!.findings).toEqual({ returned_late: 1 });
    expect(r.openLoans.map((l) => l.archive)).toEqual(['KH000000003']);
  });
});

describe('behaviour', () => {
  it('raises OFF_HOURS_ACCESS for a late session and a weekend, not for one look-up after 18:00', async () => {
    const r = await audit([
      ev('16T18:05:00', 'A', 'view', { archive_no: 'KH000000001' }),
      ev('17T21:00:00', 'A', 'view', { archive_no: 'KH000000001' }),
      ev('17T21:01:00', 'A', 'view', { archive_no: 'KH000000002' }),
      ev('17T21:02:00', 'A', 'view', { archive_no: 'KH000000009' }),
      ev('21T11:00:00', 'B', 'export', { archive_no: 'KH000000001' }),
    ]);
    expect(codes(r).filter((c) => c.includes('OFF_HOURS'))).toEqual([
      'A|OFF_HOURS_ACCESS|2026-11-17',
      'B|OFF_HOURS_ACCESS|2026-11-21',
    ]);
    expect(r.drafts.find((d) => d.code === 'OFF_HOURS_ACCESS' && d.operatorId === 'A')!.eventCount).toBe(3);
  });

  it('judges working hours on the instant in Asia/Shanghai, whatever the offset written', async () => {
    const r = await audit([
      // 02:00Z is 10:00 in Shanghai: working hours.
      { ts: '2026-11-16T02:00:00Z', operator_id: 'A', action: 'view', archive_no: 'KH1' },
      { ts: '2026-11-16T02:01:00Z', operator_id: 'A', action: 'view', archive_no: 'KH5' },
      { ts: '2026-11-16T02:02:00Z', operator_id: 'A', action: 'view', archive_no: 'KH9' },
    ]);
    expect(codes(r)).toEqual([]);
  });

  it('takes 08:30 and 17:59 as working hours, 08:29 and 18:00 as off-hours; two off-hours look-ups stay quiet', async () => {
    const r = await audit(
      [
        // A: three look-ups on the edges of working hours, two after 18:00 (below the three needed).
        ev('16T08:30:00', 'A', 'view', { archive_no: 'KH000000001' }),
        ev('16T17:59:00', 'A', 'view', { archive_no: 'KH000000005' }),
        ev('16T17:59:59', 'A', 'view', { archive_no: 'KH000000009' }),
        ev('16T18:30:00', 'A', 'view', { archive_no: 'KH000000013' }),
        ev('16T22:00:00', 'A', 'view', { archive_no: 'KH000000017' }),
        // B: one minute outside on each side makes three.
        ev('16T08:29:00', 'B', 'view', { archive_no: 'KH000000001' }),
        ev('16T18:00:00', 'B', 'view', { archive_no: 'KH000000005' }),
        ev('16T23:59:00', 'B', 'view', { archive_no: 'KH000000009' }),
        // An approved export: at 08:30 nothing, at 08:29 off-hours at once (a copy, not a look-up).
        ev('17T08:30:00', 'A', 'export', { archive_no: 'KH000000021', approval_id: 'E' }),
        ev('17T08:29:00', 'B', 'export', { archive_no: 'KH000000021', approval_id: 'F' }),
      ],
      { approvals: [approval('E', 'A'), approval('F', 'B')] },
    );
    expect(codes(r)).toEqual(['B|OFF_HOURS_ACCESS|2026-11-16', 'B|OFF_HOURS_ACCESS|2026-11-17']);
    const day16 = r.drafts.find((d) => d.day === '2026-11-16')!;
    expect(day16.eventCount).toBe(3);
    expect(day16.events.map((e) => e.ts.slice(11, 16))).toEqual(['08:29', '18:00', '23:59']);
  });

  it('raises ENUMERATION for a run of consecutive archive numbers, not for scattered ones', async () => {
    const run: RawEvent[] = [];
    for (let k = 0; k < 25; k++)
      run.push(
        ev(`16T14:${String(k).padStart(2, '0')}:00`, 'A', 'view', {
          archive_no: `KH${String(1000 + k).padStart(9, '0')}`,
        }),
      );
    for (let k = 0; k < 25; k++)
      run.push(
        ev(`16T15:${String(k).padStart(2, '0')}:00`, 'B', 'view', {
          archive_no: `KH${String(1000 + k * 7).padStart(9, '0')}`,
        }),
      );
    const r = await audit(run);
    expect(codes(r)).toEqual(['A|ENUMERATION|2026-11-16']);
    expect(r.drafts[0]!.eventCount).toBe(25);
    expect(r.drafts[0]!.facts['longest_run']).toBe(25);
  });

  it('finds a run interleaved with ordinary look-ups, not consecutive numbers spread over hours', async () => {
    const events: RawEvent[] = [];
    const at = (min: number) =>
      `16T${String(14 + Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;
    for (let k = 0; k < 30; k++) {
      // A: one number every 40 s, descending and skipping one now and then, with two unrelated views in between.
      const sec = k * 40;
      const t = `${at(Math.floor(sec / 60))}:${String(sec % 60).padStart(2, '0')}`;
      events.push(
        ev(t, 'A', 'view', { archive_no: `KH${String(5000 - k - (k > 10 ? 1 : 0)).padStart(9, '0')}` }),
      );
      events.push(ev(t, 'A', 'view', { archive_no: `KH${String(90_000 + k * 977).padStart(9, '0')}` }));
      events.push(ev(t, 'A', 'query', { record_count: 7 }));
      // B: the same 30 consecutive numbers, but one an hour apart (a pause longer than 30 minutes ends a run).
      events.push(
        ev(`${16 + Math.floor(k / 24)}T${String(k % 24).padStart(2, '0')}:10:00`, 'B', 'view', {
          archive_no: `KH${String(7000 + k).padStart(9, '0')}`,
        }),
      );
    }
    const r = await audit(events);
    expect(codes(r).filter((c) => c.includes('ENUMERATION'))).toEqual(['A|ENUMERATION|2026-11-16']);
    const d = r.drafts.find((x) => x.code === 'ENUMERATION')!;
    expect(d.eventCount).toBe(30);
    expect(d.facts['longest_run']).toBe(30);
    // Evidence starts with the run's first number, not with the event that reached the threshold.
    expect(d.events[0]!.archive_no).toBe('KH000005000');
  });

  it('raises ENUMERATION at 20 consecutive numbers (steps up to 2), not at 19 or with steps of 3', async () => {
    const runOf = (op: string, from: number, n: number, step: number) =>
      Array.from({ length: n }, (_, k) =>
        ev(`16T14:${String(k).padStart(2, '0')}:00`, op, 'view', {
          archive_no: `KH${String(from + k * step).padStart(9, '0')}`,
        }),
      );
    const r = await audit(
      [
        ...runOf('A', 1000, 19, 1),
        ...runOf('B', 2000, 20, 1),
        ...runOf('C', 3000, 30, 3),
        ...runOf('D', 4000, 20, 2),
      ],
      { staff: ['A', 'B', 'C', 'D'].map((id) => staff(id)) },
    );
    expect(codes(r)).toEqual(['B|ENUMERATION|2026-11-16', 'D|ENUMERATION|2026-11-16']);
    expect(r.drafts.map((d) => d.eventCount)).toEqual([20, 20]);
  });

  it('raises TARGET_SNOOPING for ten operators on one customer in a day, not for three or for approved handlers', async () => {
    const people = Array.from({ length: 11 }, (_, k) => staff(`S${k}`));
    const events: RawEvent[] = people.map((p, k) =>
      ev(`16T1${k % 8}:0${k % 6}:00`, p.operator_id, 'view', { archive_no: 'KH000777777' }),
    );
    for (let k = 0; k < 3; k++)
      events.push(ev(`16T10:0${k}:00`, `S${k}`, 'view', { archive_no: 'KH000000001' }));
    const r = await audit(events, { staff: people });
    expect(r.drafts.filter((d) => d.code === 'TARGET_SNOOPING')).toHaveLength(11);
    // Two of them had an approval naming the record: nine unexcused is below the bar of ten.
    const r2 = await audit(events, {
      staff: people,
      approvals: [
        approval('X0', 'S0', { kind: 'query', scope: 'KH000777777' }),
        approval('X1', 'S1', { kind: 'query', scope: 'KH000777777' }),
      ],
    });
    expect(r2.drafts.filter((d) => d.code === 'TARGET_SNOOPING')).toHaveLength(0);
  });

  it('raises TARGET_SNOOPING at exactly ten operators, not at nine, nor for one operator looking ten times', async () => {
    const people = Array.from({ length: 10 }, (_, k) => staff(`S${k}`));
    const events: RawEvent[] = [];
    people.forEach((p, k) => {
      events.push(ev(`16T10:0${k}:00`, p.operator_id, 'view', { archive_no: 'KH000777777' }));
      if (k < 9) events.push(ev(`16T11:0${k}:00`, p.operator_id, 'view', { archive_no: 'KH000888888' }));
      events.push(ev(`16T12:0${k}:00`, 'S0', 'view', { archive_no: 'KH000999999' }));
    });
    const r = await audit(events, { staff: people });
    const snooping = r.drafts.filter((d) => d.code === 'TARGET_SNOOPING');
    expect(snooping).toHaveLength(10);
    for (const d of snooping) expect([...d.archives]).toEqual(['KH000777777']);
    expect(codes(r).filter((c) => !c.includes('TARGET_SNOOPING'))).toEqual([]);
  });

  it('raises LOGIN_BRUTE_FORCE for five failures in ten minutes, not for failures spread over the day', async () => {
    const events: RawEvent[] = [];
    for (let k = 0; k < 6; k++) events.push(ev(`16T09:0${k}:00`, 'A', 'login_failed', { result: 'denied' }));
    for (let k = 0; k < 6; k++) events.push(ev(`16T1${k}:00:00`, 'B', 'login_failed', { result: 'denied' }));
    const r = await audit(events);
    expect(codes(r)).toEqual(['A|LOGIN_BRUTE_FORCE|2026-11-16']);
  });

  it('raises LOGIN_BRUTE_FORCE for five failures within exactly ten minutes, not for four, nor for five over eleven', async () => {
    const fail = (t: string, op: string) => ev(`16T${t}`, op, 'login_failed', { result: 'denied' });
    const r = await audit(
      [
        ...['09:00:00', '09:01:00', '09:02:00', '09:03:00'].map((t) => fail(t, 'A')),
        ...['09:00:00', '09:02:30', '09:05:00', '09:07:30', '09:10:00'].map((t) => fail(t, 'B')),
        ...['09:00:00', '09:03:00', '09:06:00', '09:09:00', '09:11:00'].map((t) => fail(t, 'C')),
      ],
      { staff: ['A', 'B', 'C'].map((id) => staff(id)) },
    );
    expect(codes(r)).toEqual(['B|LOGIN_BRUTE_FORCE|2026-11-16']);
    expect(r.drafts[0]!.eventCount).toBe(5);
  });

  it('raises CONCURRENT_SESSION for alternating places, not for a move with logout', async () => {
    const r = await audit([
      ev('16T10:00:00', 'A', 'view', { archive_no: 'KH1', client_ip: '10.1.1.1' }),
      ev('16T10:01:00', 'A', 'view', { archive_no: 'KH2', client_ip: '172.16.0.9' }),
      ev('16T10:02:00', 'A', 'view', { archive_no: 'KH3', client_ip: '10.1.1.1' }),
      ev('16T10:03:00', 'A', 'view', { archive_no: 'KH4', client_ip: '172.16.0.9' }),
      ev('16T10:00:00', 'B', 'view', { archive_no: 'KH1', client_ip: '10.1.1.2' }),
      ev('16T10:01:00', 'B', 'logout', { client_ip: '10.1.1.2' }),
      ev('16T10:03:00', 'B', 'login', { client_ip: '10.1.9.2' }),
      ev('16T10:04:00', 'B', 'view', { archive_no: 'KH7', client_ip: '10.1.9.2' }),
    ]);
    expect(codes(r)).toEqual(['A|CONCURRENT_SESSION|2026-11-16']);
  });

  it('does not raise CONCURRENT_SESSION for two terminals at one address, a move without logout, or switches further apart than the window', async () => {
    const at = (t: string, op: string, ip: string, extra: Partial<RawEvent> = {}) =>
      ev(`16T${t}`, op, 'view', { archive_no: 'KH000000001', client_ip: ip, ...extra });
    const r = await audit(
      [
        // A: two sessions from the same place (two terminals, one address), alternating.
        at('10:00:00', 'A', '10.1.1.1', { terminal_id: 'T1' }),
        at('10:01:00', 'A', '10.1.1.1', { terminal_id: 'T2' }),
        at('10:02:00', 'A', '10.1.1.1', { terminal_id: 'T1' }),
        at('10:03:00', 'A', '10.1.1.1', { terminal_id: 'T2' }),
        // B: moves once (no logout) and stays.
        at('10:00:00', 'B', '10.1.1.2'),
        at('10:05:00', 'B', '10.1.9.2'),
        at('10:06:00', 'B', '10.1.9.2'),
        // C: back and forth, but eleven minutes apart each time.
        at('10:00:00', 'C', '10.1.1.3'),
        at('10:11:00', 'C', '10.1.9.3'),
        at('10:22:00', 'C', '10.1.1.3'),
        // D: back and forth within two minutes: two switches, the least that raises it.
        at('10:00:00', 'D', '10.1.1.4'),
        at('10:01:00', 'D', '10.1.9.4'),
        at('10:02:00', 'D', '10.1.1.4'),
      ],
      { staff: ['A', 'B', 'C', 'D'].map((id) => staff(id)) },
    );
    expect(codes(r).filter((c) => !c.includes('TARGET_SNOOPING'))).toEqual([
      'D|CONCURRENT_SESSION|2026-11-16',
    ]);
  });

  it('raises BULK_EXPORT past the daily threshold even when approved, not below it', async () => {
    const r = await audit(
      [
        ev('16T10:00:00', 'A', 'export', { record_count: 1500, approval_id: 'E' }),
        ev('16T10:00:00', 'B', 'export', { record_count: 400, approval_id: 'F' }),
      ],
      { approvals: [approval('E', 'A'), approval('F', 'B')] },
    );
    expect(codes(r).filter((c) => c.includes('BULK'))).toEqual(['A|BULK_EXPORT|2026-11-16']);
  });

  it('raises BULK_EXPORT at 1,000 records exported and printed in a day, not at 999, nor at 600 on each of two days', async () => {
    const r = await audit(
      [
        ev('16T10:00:00', 'A', 'export', { record_count: 999, approval_id: 'E' }),
        ev('16T10:00:00', 'B', 'export', { record_count: 600, approval_id: 'F' }),
        ev('16T11:00:00', 'B', 'print', { record_count: 400, approval_id: 'F' }),
        ev('16T10:00:00', 'C', 'export', { record_count: 600, approval_id: 'G' }),
        ev('17T10:00:00', 'C', 'export', { record_count: 600, approval_id: 'G' }),
      ],
      {
        staff: ['A', 'B', 'C'].map((id) => staff(id)),
        approvals: [approval('E', 'A'), approval('F', 'B'), approval('G', 'C')],
      },
    );
    expect(codes(r)).toEqual(['B|BULK_EXPORT|2026-11-16']);
    expect(r.drafts[0]!.facts).toEqual({ exported_records: 1000, threshold: 1000 });
  });
});

describe('volume spikes', () => {
  const views = (op: string, day: string, n: number) =>
    Array.from({ length: n }, (_, k) =>
      ev(`${day}T10:00:${String(k % 60).padStart(2, '0')}`, op, 'view', { archive_no: `KH${k * 13}` }),
    );

  it('uses the own baseline once history exists: a five-fold day alarms, a busy day does not', async () => {
    const history = new Map<string, { day: string; records: number }[]>();
    for (const op of ['A', 'B']) {
      history.set(
        op,
        Array.from({ length: 12 }, (_, k) => ({
          day: `2026-10-${String(12 + k).padStart(2, '0')}`,
          records: 100 + (k % 3) * 10,
        })),
      );
    }
    // 2026-10-12..23 include weekends; only working days count, so give more days than needed.
    for (const op of ['A', 'B']) {
      history
        .get(op)!
        .push(...Array.from({ length: 6 }, (_, k) => ({ day: `2026-11-0${2 + k}`, records: 110 })));
    }
    const r = await audit([...views('A', '16', 550), ...views('B', '16', 160)], { history });
    expect(codes(r)).toEqual(['A|VOLUME_SPIKE|2026-11-16']);
    expect(r.drafts[0]!.facts['baseline']).toBe('own');
  });

  it('stays quiet one record under the own, peer and static thresholds, and alarms one over', async () => {
    // Own: ten working days of 100/110/120 (median 110, MAD 10): the line is max(110 + 5·1.4826·16.5, 3·110, 150) = 330.
    const days = ['02', '03', '04', '05', '06', '09', '10', '11', '12', '13'];
    const history = new Map<string, { day: string; records: number }[]>();
    for (const op of ['A', 'B'])
      history.set(
        op,
        days.map((d, k) => ({ day: `2026-11-${d}`, records: 100 + (k % 3) * 10 })),
      );
    const own = await audit([...views('A', '16', 330), ...views('B', '16', 331)], { history });
    expect(codes(own)).toEqual(['B|VOLUME_SPIKE|2026-11-16']);
    expect(own.drafts[0]!.facts).toMatchObject({ baseline: 'own', median: 110, threshold: 330 });

    // Peers: six colleagues at 105..130 and the person (median 120, MAD 10): the line is 3·120 = 360.
    const team = Array.from({ length: 7 }, (_, k) => staff(`T${k}`));
    const day = (top: number) =>
      team.flatMap((p, k) => views(p.operator_id, '16', k === 0 ? top : 100 + k * 5));
    expect(codes(await audit(day(360), { staff: team }))).toEqual([]);
    const peers = await audit(day(361), { staff: team });
    expect(codes(peers)).toEqual(['T0|VOLUME_SPIKE|2026-11-16']);
    expect(peers.drafts[0]!.facts).toMatchObject({ baseline: 'peers', median: 120, threshold: 360 });

    // Static (no history, no peers): more than 1,500 records.
    const alone = await audit([...views('A', '16', 1500), ...views('B', '16', 1501)], {
      staff: [staff('A', { department: '档案室' }), staff('B', { department: '理赔部' })],
    });
    expect(codes(alone)).toEqual(['B|VOLUME_SPIKE|2026-11-16']);
    expect(alone.drafts[0]!.facts).toMatchObject({ baseline: 'static', threshold: 1500 });
  });

  it('leaves an approved bulk export out of the baseline: BULK_EXPORT alone; unapproved, a spike too', async () => {
    const events = [
      ev('16T10:00:00', 'A', 'export', { record_count: 3000, approval_id: 'E' }),
      ev('16T10:00:00', 'B', 'export', { record_count: 3000 }),
    ];
    const r = await audit(events, {
      staff: [staff('A', { department: '档案室' }), staff('B', { department: '理赔部' })],
      approvals: [approval('E', 'A')],
    });
    expect(codes(r)).toEqual([
      'A|BULK_EXPORT|2026-11-16',
      'B|ACCESS_WITHOUT_APPROVAL|2026-11-16',
      'B|BULK_EXPORT|2026-11-16',
      'B|VOLUME_SPIKE|2026-11-16',
    ]);
    expect(r.daily.find((d) => d.operatorId === 'A')!.records).toBe(0);
  });

  it('does not blame a person who is always busier than the department on the peer baseline', async () => {
    const team = Array.from({ length: 7 }, (_, k) => staff(`T${k}`));
    // T0 works four times the department's volume every day; on the 16th as on the 11th-13th.
    const history = new Map([['T0', ['11', '12', '13'].map((d) => ({ day: `2026-11-${d}`, records: 420 }))]]);
    const events = team.flatMap((p, k) => views(p.operator_id, '16', k === 0 ? 450 : 100 + k * 5));
    const r = await audit(events, { staff: team, history });
    expect(codes(r)).toEqual([]);
    // Without that history, the peer baseline alarms.
    expect(codes(await audit(events, { staff: team }))).toEqual(['T0|VOLUME_SPIKE|2026-11-16']);
  });

  it('falls back to peers, then to a static threshold, in a cold start', async () => {
    const team = Array.from({ length: 7 }, (_, k) => staff(`T${k}`));
    const events = team.flatMap((p, k) => views(p.operator_id, '16', k === 0 ? 700 : 100 + k * 5));
    const r = await audit(events, { staff: team });
    expect(codes(r)).toEqual(['T0|VOLUME_SPIKE|2026-11-16']);
    expect(r.drafts[0]!.facts['baseline']).toBe('peers');
    const alone = await audit(views('A', '16', 1600), { staff: [staff('A', { department: '档案室' })] });
    expect(alone.drafts.map((d) => d.facts['baseline'])).toEqual(['static']);
    const quiet = await audit(views('A', '16', 900), { staff: [staff('A', { department: '档案室' })] });
    expect(quiet.drafts).toEqual([]);
  });
});

describe('noise control', () => {
  it('groups the anomalies of one operator, code and day into one, its events as evidence; another day or code is another', async () => {
    const r = await audit([
      ev('16T10:00:00', 'A', 'export', { archive_no: 'KH000000001' }),
      ev('16T11:00:00', 'A', 'export', { archive_no: 'KH000000002', record_count: 3 }),
      ev('16T15:00:00', 'A', 'print', { archive_no: 'KH000000001' }),
      ev('16T15:30:00', 'A', 'delete', { archive_no: 'KH000000003' }),
      // 16:30Z is 00:30 on the 17th in Shanghai: the next day's anomaly.
      { ts: '2026-11-16T16:30:00Z', operator_id: 'A', action: 'export', archive_no: 'KH000000004' },
    ]);
    expect(codes(r).filter((c) => !c.includes('OFF_HOURS'))).toEqual([
      'A|ACCESS_WITHOUT_APPROVAL|2026-11-16',
      'A|ACCESS_WITHOUT_APPROVAL|2026-11-17',
      'A|DELETION_WITHOUT_APPROVAL|2026-11-16',
    ]);
    const d = r.drafts.find((x) => x.key === 'A|ACCESS_WITHOUT_APPROVAL|2026-11-16')!;
    expect(d.eventCount).toBe(3);
    expect(d.events.map((e) => [e.action, e.archive_no, e.record_count, e.finding])).toEqual([
      ['export', 'KH000000001', 1, 'no_approval'],
      ['export', 'KH000000002', 3, 'no_approval'],
      ['print', 'KH000000001', 1, 'no_approval'],
    ]);
    expect([...d.archives]).toEqual(['KH000000001', 'KH000000002']);
    expect(d.findings).toEqual({ no_approval: 3 });
    expect([d.firstTs, d.lastTs]).toEqual([
      Date.parse('2026-11-16T10:00:00+08:00'),
      Date.parse('2026-11-16T15:00:00+08:00'),
    ]);
    // The score grows with the events, logarithmically: 30 × (1 + log10 3).
    expect(scoreOf(d, {})).toBe(44.31);
  });

  it('keeps counting past the evidence bound: every event counted, the first few shown', async () => {
    const events = Array.from({ length: 12 }, (_, k) =>
      ev(`16T10:${String(k).padStart(2, '0')}:00`, 'A', 'export', {
        archive_no: `KH${String(100 + k * 10).padStart(9, '0')}`,
      }),
    );
    const r = await audit(events, { config: { evidenceEvents: 5, evidenceArchives: 4 } });
    expect(codes(r)).toEqual(['A|ACCESS_WITHOUT_APPROVAL|2026-11-16']);
    const d = r.drafts[0]!;
    expect([d.eventCount, d.events.length, d.archives.size, d.archivesTotal]).toEqual([12, 5, 4, 12]);
  });
});
