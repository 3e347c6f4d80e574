import type { ApprovalEntry } from '../input/master-data.js';
import { dayNumberOf } from '../input/timestamp.js';

/**
 * The approval-ledger join (000 "信息档案资料使用管理制度" §4-5; 003 §18): an access that needs an
 * approval is matched with the operator's approvals on kind, scope, validity window and quota.
 * When none fits, the closest one explains why, and the explanations are kept apart in evidence:
 * no approval at all, an unknown or someone else's approval id, expired or not yet valid, out of
 * scope, over quota, an approval of another kind, and escalation (an approval that permits
 * viewing the record, used for an export or print). Escalation needs the approval to be tied to
 * the access: cited by its id, or naming the record itself. A standing branch-wide approval of
 * another kind (a print approval, say) held by someone who exports without citing anything is
 * not "approved, then exceeded": the export had no approval at all (003 §23).
 */
export type ApprovalFinding =
  | 'no_approval'
  | 'unknown_approval'
  | 'other_operator'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_kind'
  | 'out_of_scope'
  | 'over_quota'
  | 'escalation';

/** Findings that mean the access had no valid approval at all (the others exceed a valid one). */
export const WITHOUT_APPROVAL: ReadonlySet<ApprovalFinding> = new Set([
  'no_approval',
  'unknown_approval',
  'other_operator',
  'expired',
  'not_yet_valid',
  'wrong_kind',
]);

export const FINDING_LABELS: Record<ApprovalFinding, { zh: string; en: string }> = {
  no_approval: { zh: '无审批', en: 'no approval' },
  unknown_approval: { zh: '审批编号不存在', en: 'unknown approval id' },
  other_operator: { zh: '使用他人审批', en: "someone else's approval" },
  expired: { zh: '审批已过期', en: 'approval expired' },
  not_yet_valid: { zh: '审批尚未生效', en: 'approval not yet valid' },
  wrong_kind: { zh: '审批类型不符', en: 'approval of another kind' },
  out_of_scope: { zh: '超出审批范围', en: 'outside the approved scope' },
  over_quota: { zh: '超出审批数量', en: 'over the approved quota' },
  escalation: {
    zh: '越权升级（审批查阅却导出/打印）',
    en: 'escalation (approved to view, then exported or printed)',
  },
};

export interface Approval {
  id: string;
  operatorId: string;
  kind: string;
  scopeAll: boolean;
  scopeBranch: string | null;
  scopeList: Set<string> | null;
  fromDay: number;
  toDay: number;
  max: number | null;
  /** Records used so far (earlier runs plus this one). */
  used: number;
  usedThisRun: number;
}

export interface Judgement {
  finding?: ApprovalFinding;
  approval?: Approval;
}

export function toApproval(e: ApprovalEntry & { used_records?: number }): Approval {
  const scope = e.scope.trim();
  const lower = scope.toLowerCase();
  return {
    id: e.approval_id,
    operatorId: e.operator_id,
    kind: e.kind,
    scopeAll: lower === 'all' || scope === '',
    scopeBranch: lower.startsWith('branch:') ? scope.slice(7).trim() : null,
    scopeList:
      lower === 'all' || scope === '' || lower.startsWith('branch:')
        ? null
        : new Set(
            scope
              .split(/[;；]/)
              .map((s) => s.trim())
              .filter(Boolean),
          ),
    fromDay: dayNumberOf(e.valid_from),
    toDay: dayNumberOf(e.valid_to),
    max: e.max_records,
    used: e.used_records ?? 0,
    usedThisRun: 0,
  };
}

export class ApprovalLedger {
  readonly byId = new Map<string, Approval>();
  private readonly byOperator = new Map<string, Approval[]>();
  private readonly viewKinds: Set<string>;

  constructor(
    approvals: Approval[],
    private readonly kindsFor: Record<string, string[]>,
  ) {
    for (const a of approvals) {
      this.byId.set(a.id, a);
      let list = this.byOperator.get(a.operatorId);
      if (!list) {
        list = [];
        this.byOperator.set(a.operatorId, list);
      }
      list.push(a);
    }
    this.viewKinds = new Set(kindsFor['view'] ?? []);
  }

  private inScope(a: Approval, archive: string | null, branch: string | null, count: number): boolean {
    if (a.scopeAll) return true;
    // A branch-scoped approval on a record whose branch is unknown, or on a many-record query
    // without an archive number, cannot be proven out of scope: it is accepted.
    if (a.scopeBranch !== null) return archive === null || branch === null || branch === a.scopeBranch;
    if (archive === null) return count <= a.scopeList!.size;
    return a.scopeList!.has(archive);
  }

  /**
   * Judges one access that needs an approval. Returns no finding (and the approval used, whose
   * quota is consumed) when a valid approval covers it.
   */
  judge(
    operatorId: string,
    action: string,
    approvalId: string | null,
    archive: string | null,
    branch: string | null,
    day: number,
    count: number,
  ): Judgement {
    let candidates: Approval[];
    if (approvalId !== null) {
      const a = this.byId.get(approvalId);
      if (!a) return { finding: 'unknown_approval' };
      if (a.operatorId !== operatorId) return { finding: 'other_operator', approval: a };
      candidates = [a];
    } else {
      candidates = this.byOperator.get(operatorId) ?? [];
      if (candidates.length === 0) return { finding: 'no_approval' };
    }
    const allowed = this.kindsFor[action] ?? [];
    let overQuota: Approval | undefined;
    let outOfTime: { a: Approval; finding: ApprovalFinding } | undefined;
    let escalation: Approval | undefined;
    let outOfScope: Approval | undefined;
    let wrongKind: Approval | undefined;
    for (const a of candidates) {
      const kindOk = allowed.includes(a.kind);
      const scopeOk = this.inScope(a, archive, branch, count);
      const timeFinding: ApprovalFinding | undefined =
        day < a.fromDay ? 'not_yet_valid' : day > a.toDay ? 'expired' : undefined;
      const quotaOk = a.max === null || a.used + count <= a.max;
      if (kindOk && scopeOk && !timeFinding && quotaOk) {
        a.used += count;
        a.usedThisRun += count;
        return { approval: a };
      }
      if (kindOk && scopeOk && !timeFinding) overQuota ??= a;
      else if (kindOk && scopeOk && timeFinding) outOfTime ??= { a, finding: timeFinding };
      else if (
        !kindOk &&
        this.viewKinds.has(a.kind) &&
        scopeOk &&
        !timeFinding &&
        (approvalId !== null || (archive !== null && a.scopeList?.has(archive) === true))
      )
        escalation ??= a;
      else if (kindOk && !timeFinding) outOfScope ??= a;
      else if (!kindOk) wrongKind ??= a;
    }
    if (overQuota) return { finding: 'over_quota', approval: overQuota };
    if (outOfTime) return { finding: outOfTime.finding, approval: outOfTime.a };
    if (escalation && (action === 'export' || action === 'print'))
      return { finding: 'escalation', approval: escalation };
    if (outOfScope) return { finding: 'out_of_scope', approval: outOfScope };
    if (approvalId !== null && (wrongKind || escalation))
      return { finding: 'wrong_kind', approval: wrongKind ?? escalation! };
    return { finding: 'no_approval' };
  }

  /**
   * Whether an approval of the operator, valid that day, names the record itself (excuses
   * TARGET_SNOOPING). A standing branch-wide or `all` approval does not: it says nothing about
   * why this one customer was looked at.
   */
  covers(operatorId: string, archive: string, _branch: string | null, day: number): boolean {
    for (const a of this.byOperator.get(operatorId) ?? []) {
      if (day < a.fromDay || day > a.toDay) continue;
      if (a.scopeList?.has(archive)) return true;
    }
    return false;
  }
}
