import type { AuditorConfig } from '../config.js';
import {
  A,
  ACTIONS,
  DictionaryMirror,
  type EventBatch,
  isRecordAction,
  joinArchiveNo,
} from '../input/event-batch.js';
import { type ApprovalEntry, type StaffEntry, secrecyRank } from '../input/master-data.js';
import { DAY_MS, dayNumberOf, dayString, SHANGHAI_OFFSET_MS, shanghaiIso } from '../input/timestamp.js';
import { type Approval, ApprovalLedger, toApproval, WITHOUT_APPROVAL } from './approval-ledger.js';
import type { AnomalyCode } from './codes.js';
import { type AnomalyDraft, DraftBook, type EvidenceEvent, maskPlace } from './drafts.js';
import { EnumerationWindow } from './enumeration.js';
import { type Loan, LoanBook } from './loans.js';
import { type ArchiveResolver, branchOf, type RecordDirectory, secrecyOf } from './record-directory.js';
import { type DayCount, detectVolumeSpikes, type History } from './volume-spike.js';

/**
 * The detection engine: consumes time-ordered event batches and builds anomaly drafts, in memory
 * bounded by operators × days (never by events). It is pure — no database, no clock — so each
 * detection is tested with events built to trigger it and events built not to.
 */
export interface EngineSetup {
  config: AuditorConfig;
  isWorkingDay: (date: string) => boolean;
  staff: StaffEntry[];
  approvals: (ApprovalEntry & { used_records?: number })[];
  records: RecordDirectory;
  /** Earlier daily counts per operator (the own baselines). */
  history?: Map<string, { day: string; records: number }[]>;
  /** Loans still open from earlier runs. */
  openLoans?: Loan[];
}

interface StaffInfo {
  clearance: number;
  status: StaffEntry['status'];
  sinceDay: number;
  department: string;
  branch: string | null;
  entry: StaffEntry;
}

interface DayStat {
  events: number;
  records: number;
  /**
   * Records accessed under a valid approval (an approved export, a 机密 record viewed with
   * permission): accounted by the approval's quota, not the behaviour baseline, so an approved
   * bulk action is neither a VOLUME_SPIKE nor a baseline that hides the next real one.
   */
  approvedRecords: number;
  exportRecords: number;
  offHours: number;
  offSensitive: boolean;
  offPending: EvidenceEvent[] | null;
}

interface OpState {
  id: string;
  staff: StaffInfo | undefined;
  days: Map<number, DayStat>;
  /** The day of the previous event (most events of an operator fall on the same day as the one before). */
  lastDayNum: number;
  lastDay: DayStat | undefined;
  failures: { ts: number; ev: EvidenceEvent }[];
  lastPlace: number;
  lastPlaceTs: number;
  /** The previous event with a place, compact (evidence is rendered only when a switch is raised). */
  last: Compact;
  switches: number[];
  /** Recently opened records, for ENUMERATION (allocated at the operator's first record access). */
  enumWindow: EnumerationWindow | null;
}

/** An event reduced to numbers, rendered as evidence only if it ever becomes evidence. */
interface Compact {
  ts: number;
  action: number;
  prefix: number;
  num: number;
  count: number;
  place: number;
  src: number;
  line: number;
}

export interface EngineStats {
  events: number;
  unknownOperators: string[];
  unknownOperatorEvents: number;
  lateEvents: number;
  transferUnjudged: number;
  firstTs: number | null;
  lastTs: number | null;
}

export interface EngineResult {
  drafts: AnomalyDraft[];
  daily: { operatorId: string; day: string; events: number; records: number }[];
  openLoans: Loan[];
  closedStoredLoans: number[];
  approvalUsage: { approvalId: string; used: number }[];
  stats: EngineStats;
}

const SENSITIVE = new Set<number>([A.export, A.print, A.delete, A.borrow]);

export class AuditEngine {
  private readonly cfg: AuditorConfig;
  private readonly dict = new DictionaryMirror();
  private readonly ops: OpState[] = [];
  private readonly resolvers: ArchiveResolver[] = [];
  private readonly approvalsByIdx: (string | null)[] = [];
  private readonly staff = new Map<string, StaffInfo>();
  private readonly ledger: ApprovalLedger;
  private readonly book: DraftBook;
  private readonly loans: LoanBook;
  private readonly working = new Map<number, boolean>();
  private readonly required: Set<number>;
  private readonly secrecyAtLeast: number;
  private readonly workStart: number;
  private readonly workEnd: number;
  private readonly snoop = new Map<number, Map<number, number | SnoopEntry>>();
  private snoopMaxDay = Number.NEGATIVE_INFINITY;
  private readonly unknownOps = new Set<string>();
  readonly stats: EngineStats = {
    events: 0,
    unknownOperators: [],
    unknownOperatorEvents: 0,
    lateEvents: 0,
    transferUnjudged: 0,
    firstTs: null,
    lastTs: null,
  };

  constructor(private readonly setup: EngineSetup) {
    this.cfg = setup.config;
    for (const s of setup.staff) {
      this.staff.set(s.operator_id, {
        clearance: secrecyRank(s.clearance) ?? 0,
        status: s.status,
        sinceDay: s.status_since ? dayNumberOf(s.status_since) : Number.POSITIVE_INFINITY,
        department: s.department ?? '',
        branch: s.branch,
        entry: s,
      });
    }
    this.ledger = new ApprovalLedger(setup.approvals.map(toApproval), this.cfg.approval.kindsFor);
    this.book = new DraftBook(this.cfg);
    this.loans = new LoanBook(this.cfg.loanDays * DAY_MS, setup.openLoans ?? []);
    this.required = new Set(this.cfg.approval.requiredActions.map((a) => ACTIONS.indexOf(a)));
    this.secrecyAtLeast = secrecyRank(this.cfg.approval.secrecyAtLeast) ?? 2;
    const hm = (s: string) => {
      const [h, m] = s.split(':').map(Number);
      return h! * 60 + m!;
    };
    this.workStart = hm(this.cfg.workingHours.start);
    this.workEnd = hm(this.cfg.workingHours.end);
  }

  private isWorking(dayNum: number): boolean {
    let w = this.working.get(dayNum);
    if (w === undefined) {
      w = this.setup.isWorkingDay(dayString(dayNum));
      this.working.set(dayNum, w);
    }
    return w;
  }

  private applyDict(b: EventBatch): void {
    this.dict.apply(b.dict);
    while (this.ops.length < this.dict.ops.length) {
      const id = this.dict.ops[this.ops.length]!;
      const staff = this.staff.get(id);
      if (!staff && !this.unknownOps.has(id)) {
        this.unknownOps.add(id);
        if (this.stats.unknownOperators.length < 50) this.stats.unknownOperators.push(id);
      }
      this.ops.push({
        id,
        staff,
        days: new Map(),
        lastDayNum: Number.NaN,
        lastDay: undefined,
        failures: [],
        lastPlace: -1,
        lastPlaceTs: 0,
        last: { ts: 0, action: 0, prefix: -1, num: -1, count: 0, place: -1, src: 0, line: 0 },
        switches: [],
        enumWindow: null,
      });
    }
    while (this.resolvers.length < this.dict.archivePrefixes.length)
      this.resolvers.push(this.setup.records.resolver(this.dict.archivePrefixes[this.resolvers.length]!));
    while (this.approvalsByIdx.length < this.dict.approvals.length)
      this.approvalsByIdx.push(this.dict.approvals[this.approvalsByIdx.length]!);
  }

  private evidenceOf(b: EventBatch, i: number): EvidenceEvent {
    const prefix = b.arcPrefix[i]!;
    const place = b.place[i]!;
    const terminal = b.terminal[i]!;
    const approval = b.approval[i]!;
    return {
      ts: shanghaiIso(b.ts[i]!),
      action: ACTIONS[b.action[i]!]!,
      archive_no: prefix < 0 ? null : joinArchiveNo(this.dict.archivePrefixes[prefix]!, b.arcNum[i]!),
      record_count: b.count[i]!,
      approval_id: approval < 0 ? null : this.dict.approvals[approval]!,
      client_ip: place < 0 ? null : maskPlace(this.dict.places[place]!),
      terminal_id: terminal < 0 ? null : this.dict.terminals[terminal]!,
      result: b.ok[i] ? 'ok' : 'denied',
      source: this.dict.sources[b.src[i]!] ?? '',
      line: b.line[i]!,
    };
  }

  private curArchive: string | null = null;
  private curPrefix = -1;
  private curNum = -1;

  /** The current event's archive number as text, built only when a rule needs it (most events never do). */
  private archiveText(): string | null {
    if (this.curArchive === null && this.curPrefix >= 0)
      this.curArchive = joinArchiveNo(this.dict.archivePrefixes[this.curPrefix]!, this.curNum);
    return this.curArchive;
  }

  private renderCompact(c: Compact): EvidenceEvent {
    return {
      ts: shanghaiIso(c.ts),
      action: ACTIONS[c.action]!,
      archive_no: c.prefix < 0 ? null : joinArchiveNo(this.dict.archivePrefixes[c.prefix]!, c.num),
      record_count: c.count,
      approval_id: null,
      client_ip: c.place < 0 ? null : maskPlace(this.dict.places[c.place]!),
      terminal_id: null,
      result: 'ok',
      source: this.dict.sources[c.src] ?? '',
      line: c.line,
    };
  }

  /** Adds an already-rendered evidence event to a draft (counts, window, archive, sample). */
  private addRendered(d: AnomalyDraft, e: EvidenceEvent, ts: number): void {
    d.eventCount++;
    if (ts < d.firstTs) d.firstTs = ts;
    if (ts > d.lastTs) d.lastTs = ts;
    if (e.archive_no && !d.archives.has(e.archive_no)) {
      d.archivesTotal++;
      if (d.archives.size < this.cfg.evidenceArchives) d.archives.add(e.archive_no);
    }
    if (d.events.length < this.cfg.evidenceEvents) d.events.push(e);
  }

  private raise(
    code: AnomalyCode,
    op: OpState,
    b: EventBatch,
    i: number,
    dayNum: number,
    archive: string | null,
    finding?: string,
  ): AnomalyDraft {
    const d = this.book.get(code, op.id, dayNum, dayString(dayNum));
    this.book.add(d, b.ts[i]!, archive, () => this.evidenceOf(b, i), finding);
    return d;
  }

  processBatch(b: EventBatch): void {
    this.applyDict(b);
    const cfg = this.cfg;
    for (let i = 0; i < b.n; i++) {
      const ts = b.ts[i]!;
      const op = this.ops[b.op[i]!]!;
      const action = b.action[i]!;
      const ok = b.ok[i] === 1;
      const local = ts + SHANGHAI_OFFSET_MS;
      const dayNum = Math.floor(local / DAY_MS);
      const minute = Math.floor((local - dayNum * DAY_MS) / 60_000);
      this.stats.events++;
      if (this.stats.firstTs === null || ts < this.stats.firstTs) this.stats.firstTs = ts;
      if (this.stats.lastTs === null || ts > this.stats.lastTs) this.stats.lastTs = ts;
      const staff = op.staff;
      if (!staff) this.stats.unknownOperatorEvents++;
      let day = op.lastDayNum === dayNum ? op.lastDay : op.days.get(dayNum);
      if (!day) {
        day = {
          events: 0,
          records: 0,
          approvedRecords: 0,
          exportRecords: 0,
          offHours: 0,
          offSensitive: false,
          offPending: null,
        };
        op.days.set(dayNum, day);
      }
      op.lastDayNum = dayNum;
      op.lastDay = day;
      day.events++;
      const recordAction = isRecordAction(action);
      const count = b.count[i]!;
      const prefix = b.arcPrefix[i]!;
      const num = b.arcNum[i]!;
      this.curArchive = null;
      this.curPrefix = prefix;
      this.curNum = num;
      const resolver = prefix >= 0 ? this.resolvers[prefix]! : undefined;

      // Sessions: failed-login bursts and one account at two places at once.
      if (action === A.login_failed) this.onLoginFailed(op, b, i, ts, dayNum);
      const place = b.place[i]!;
      if (place >= 0) this.onPlace(op, b, i, ts, dayNum, place, action);

      // Point-in-time staff state (000 §3.3).
      if (staff && staff.status === 'left' && dayNum >= staff.sinceDay) {
        this.raise(
          'ACCESS_AFTER_DEPARTURE',
          op,
          b,
          i,
          dayNum,
          recordAction ? this.archiveText() : null,
          'left',
        );
      }

      if (!recordAction) {
        if (action === A.return && ok && prefix >= 0) {
          this.loans.giveBack(op.id, this.archiveText()!, ts, () => this.evidenceOf(b, i));
        }
        continue;
      }
      if (!ok) continue;
      day.records += count;
      const secrecy = resolver ? Math.max(0, secrecyOf(resolver, num)) : 0;
      const branchId = resolver ? branchOf(resolver, num) : 0;
      const recordBranch = branchId > 0 ? this.setup.records.branchNames[branchId]! : null;

      if (staff && staff.status === 'transferred' && dayNum >= staff.sinceDay && prefix >= 0) {
        // Transferred staff keep access to their new unit's records only (000 §3.3).
        if (recordBranch === null) this.stats.transferUnjudged++;
        else if (recordBranch !== staff.branch)
          this.raise('ACCESS_AFTER_DEPARTURE', op, b, i, dayNum, this.archiveText(), 'transferred');
      }

      // Clearance (003 §22; 004 §5, §7).
      const clearance = staff ? staff.clearance : 0;
      if (secrecy > clearance) {
        const d = this.raise(
          'CLEARANCE_VIOLATION',
          op,
          b,
          i,
          dayNum,
          this.archiveText(),
          `secrecy_${secrecy}`,
        );
        d.factor = Math.max(d.factor, secrecy >= 3 ? 1.5 : secrecy === 2 ? 1.2 : 1);
      }

      // Approval ledger.
      const needs =
        this.required.has(action) ||
        secrecy >= this.secrecyAtLeast ||
        (action === A.query && count > cfg.approval.queryRecordsOver);
      if (needs) {
        const approvalIdx = b.approval[i]!;
        const j = this.ledger.judge(
          op.id,
          ACTIONS[action]!,
          approvalIdx < 0 ? null : this.approvalsByIdx[approvalIdx]!,
          this.archiveText(),
          recordBranch,
          dayNum,
          count,
        );
        if (!j.finding) day.approvedRecords += count;
        else {
          const code: AnomalyCode =
            action === A.delete
              ? 'DELETION_WITHOUT_APPROVAL'
              : WITHOUT_APPROVAL.has(j.finding)
                ? 'ACCESS_WITHOUT_APPROVAL'
                : 'APPROVAL_SCOPE_EXCEEDED';
          const d = this.raise(code, op, b, i, dayNum, this.archiveText(), j.finding);
          if (j.approval && d.events.length > 0) {
            const last = d.events[d.events.length - 1]!;
            if (last.line === b.line[i] && last.approval_id === null) last.approval_id = j.approval.id;
          }
        }
      }

      // Loans (003 §19).
      if (action === A.borrow && prefix >= 0) {
        const approvalIdx = b.approval[i]!;
        this.loans.borrow({
          operatorId: op.id,
          archive: this.archiveText()!,
          borrowedAt: ts,
          approvalId: approvalIdx < 0 ? null : this.approvalsByIdx[approvalIdx]!,
          overdueRaised: false,
          evidence: this.evidenceOf(b, i),
        });
      }

      // Off-hours (000 "客户管理档案管理制度" §7.3): judged on the event's own instant, in Asia/Shanghai.
      if (!this.isWorking(dayNum) || minute < this.workStart || minute >= this.workEnd) {
        day.offHours++;
        if (SENSITIVE.has(action)) day.offSensitive = true;
        if (day.offHours >= cfg.offHours.minEvents || day.offSensitive) {
          const d = this.book.get('OFF_HOURS_ACCESS', op.id, dayNum, dayString(dayNum));
          if (day.offPending) {
            for (const e of day.offPending) this.addRendered(d, e, Date.parse(e.ts));
            day.offPending = null;
          }
          this.book.add(d, ts, this.archiveText(), () => this.evidenceOf(b, i));
          d.facts = {
            working_day: this.isWorking(dayNum),
            hours: `${cfg.workingHours.start}-${cfg.workingHours.end}`,
          };
        } else {
          if (!day.offPending) day.offPending = [];
          day.offPending.push(this.evidenceOf(b, i));
        }
      }

      // Bulk export / print (003 §23).
      if (action === A.export || action === A.print) {
        day.exportRecords += count;
        if (day.exportRecords >= cfg.bulkExportRecords) {
          const d = this.raise('BULK_EXPORT', op, b, i, dayNum, this.archiveText());
          d.facts = { exported_records: day.exportRecords, threshold: cfg.bulkExportRecords };
        }
      }

      if (prefix >= 0) {
        this.onEnumeration(op, b, i, ts, dayNum, prefix, num);
        if (action !== A.update && action !== A.delete && action !== A.borrow)
          this.onSnoop(op, b, i, ts, dayNum, prefix, num);
      }
    }
  }

  private onLoginFailed(op: OpState, b: EventBatch, i: number, ts: number, dayNum: number): void {
    const window = this.cfg.loginBurst.windowMinutes * 60_000;
    op.failures.push({ ts, ev: this.evidenceOf(b, i) });
    while (op.failures.length > 0 && op.failures[0]!.ts < ts - window) op.failures.shift();
    if (op.failures.length >= this.cfg.loginBurst.failures) {
      const d = this.book.get('LOGIN_BRUTE_FORCE', op.id, dayNum, dayString(dayNum));
      for (const f of op.failures) {
        d.eventCount++;
        d.firstTs = Math.min(d.firstTs, f.ts);
        d.lastTs = Math.max(d.lastTs, f.ts);
        if (d.events.length < this.cfg.evidenceEvents) d.events.push(f.ev);
      }
      d.facts = { failures: this.cfg.loginBurst.failures, window_minutes: this.cfg.loginBurst.windowMinutes };
      op.failures = [];
    }
  }

  private onPlace(
    op: OpState,
    b: EventBatch,
    i: number,
    ts: number,
    dayNum: number,
    place: number,
    action: number,
  ): void {
    const window = this.cfg.concurrent.windowMinutes * 60_000;
    if (op.lastPlace >= 0 && place !== op.lastPlace && ts - op.lastPlaceTs <= window) {
      op.switches.push(ts);
      while (op.switches.length > 0 && op.switches[0]! < ts - window) op.switches.shift();
      if (op.switches.length >= this.cfg.concurrent.minSwitches) {
        const d = this.book.get('CONCURRENT_SESSION', op.id, dayNum, dayString(dayNum));
        if (d.eventCount === 0) this.addRendered(d, this.renderCompact(op.last), op.last.ts);
        this.book.add(d, ts, null, () => this.evidenceOf(b, i));
        d.facts = { window_minutes: this.cfg.concurrent.windowMinutes, switches: op.switches.length };
      }
    }
    if (action === A.logout) {
      op.lastPlace = -1;
      op.switches = [];
    } else {
      op.lastPlace = place;
      op.lastPlaceTs = ts;
      const l = op.last;
      l.ts = ts;
      l.action = action;
      l.prefix = b.arcPrefix[i]!;
      l.num = b.arcNum[i]!;
      l.count = b.count[i]!;
      l.place = place;
      l.src = b.src[i]!;
      l.line = b.line[i]!;
    }
  }

  private onEnumeration(
    op: OpState,
    b: EventBatch,
    i: number,
    ts: number,
    dayNum: number,
    prefix: number,
    num: number,
  ): void {
    const cfg = this.cfg.enumeration;
    if (num < 0) return;
    op.enumWindow ??= new EnumerationWindow(cfg.maxStep, cfg.maxGapMinutes * 60_000);
    const w = op.enumWindow;
    const hit = w.add(prefix, num, ts, cfg.minRun, b.action[i]!, b.place[i]!, b.src[i]!, b.line[i]!);
    if (!hit) return;
    const d = this.book.get('ENUMERATION', op.id, dayNum, dayString(dayNum));
    if (hit.reached) {
      // The run's earlier members become evidence too, oldest first.
      const members: number[] = [];
      for (let s = hit.slot; s >= 0 && members.length < hit.run; s = w.previousInRun(s, hit.ascending))
        members.push(s);
      for (let k = members.length - 1; k >= 0; k--) {
        const c: Compact = { ...w.member(members[k]!), count: 1 };
        this.addRendered(d, this.renderCompact(c), c.ts);
      }
      // Members no longer in the window (a run longer than it) are counted, not shown.
      d.eventCount += hit.run - members.length;
    } else {
      this.book.add(d, ts, this.archiveText(), () => this.evidenceOf(b, i));
    }
    d.facts = {
      min_run: cfg.minRun,
      max_step: cfg.maxStep,
      max_gap_minutes: cfg.maxGapMinutes,
      longest_run: Math.max(Number(d.facts['longest_run'] ?? 0), hit.run),
    };
  }

  private onSnoop(
    _op: OpState,
    b: EventBatch,
    i: number,
    ts: number,
    dayNum: number,
    prefix: number,
    num: number,
  ): void {
    if (dayNum > this.snoopMaxDay) {
      this.snoopMaxDay = dayNum;
      // Keep the previous day open for late events; older days are judged and dropped.
      for (const d of [...this.snoop.keys()]) if (d < dayNum - 1) this.closeSnoopDay(d);
    } else if (dayNum < this.snoopMaxDay - 1) {
      this.stats.lateEvents++;
      return;
    }
    let map = this.snoop.get(dayNum);
    if (!map) {
      map = new Map();
      this.snoop.set(dayNum, map);
    }
    // Small integers where they fit (a map keyed by heap numbers hashes far slower): prefix ids
    // below 64 and numbers below 2^24 pack into 30 bits; the rest sit above 2^31.
    const key =
      num < 0 || num >= 1e12
        ? -1 - prefix
        : prefix < 64 && num < 16_777_216
          ? num * 64 + prefix
          : 2_147_483_648 + prefix * 1e12 + num;
    const opIdx = b.op[i]!;
    const cur = map.get(key);
    if (cur === undefined) {
      // The common case, one operator on a record: a number, not an object (300k records a day).
      map.set(key, opIdx);
      return;
    }
    if (typeof cur === 'number') {
      if (cur === opIdx) return;
      map.set(key, {
        prefix,
        num,
        ops: [cur, opIdx],
        ts: [Number.NaN, ts],
        lines: [0, b.line[i]!],
        srcs: [0, b.src[i]!],
        actions: [A.view, b.action[i]!],
      });
      return;
    }
    if (cur.ops.length >= 64 || cur.ops.includes(opIdx)) return;
    cur.ops.push(opIdx);
    cur.ts.push(ts);
    cur.lines.push(b.line[i]!);
    cur.srcs.push(b.src[i]!);
    cur.actions.push(b.action[i]!);
  }

  private closeSnoopDay(dayNum: number): void {
    const map = this.snoop.get(dayNum);
    this.snoop.delete(dayNum);
    if (!map) return;
    const min = this.cfg.snoopingMinOperators;
    for (const entry of map.values()) {
      if (typeof entry === 'number' || entry.ops.length < min) continue;
      const archive = joinArchiveNo(this.dict.archivePrefixes[entry.prefix]!, entry.num);
      const resolver = this.resolvers[entry.prefix]!;
      const branchId = branchOf(resolver, entry.num);
      const branch = branchId > 0 ? this.setup.records.branchNames[branchId]! : null;
      // Operators whose approval names the record had a reason to look.
      const unexcused = entry.ops
        .map((o, k) => ({
          op: this.ops[o]!,
          ev: Number.isNaN(entry.ts[k]!)
            ? null
            : this.renderCompact({
                ts: entry.ts[k]!,
                action: entry.actions[k]!,
                prefix: entry.prefix,
                num: entry.num,
                count: 1,
                place: -1,
                src: entry.srcs[k]!,
                line: entry.lines[k]!,
              }),
        }))
        .filter(({ op }) => !this.ledger.covers(op.id, archive, branch, dayNum));
      if (unexcused.length < min) continue;
      for (const { op, ev } of unexcused) {
        const d = this.book.get('TARGET_SNOOPING', op.id, dayNum, dayString(dayNum));
        d.eventCount++;
        if (!d.archives.has(archive)) {
          d.archives.add(archive);
          d.archivesTotal++;
        }
        if (ev) {
          const t = Date.parse(ev.ts);
          d.firstTs = Math.min(d.firstTs, t);
          d.lastTs = Math.max(d.lastTs, t);
          if (d.events.length < this.cfg.evidenceEvents) d.events.push(ev);
        } else {
          d.firstTs = Math.min(d.firstTs, dayNum * DAY_MS - SHANGHAI_OFFSET_MS);
          d.lastTs = Math.max(d.lastTs, dayNum * DAY_MS - SHANGHAI_OFFSET_MS);
        }
        const targets = (d.facts['targets'] as { archive_no: string; operators: number }[] | undefined) ?? [];
        if (targets.length < 20) targets.push({ archive_no: archive, operators: unexcused.length });
        d.facts = { min_operators: min, targets };
      }
    }
  }

  /**
   * Ends the audit: judges the open snooping days, volume spikes (day by day, growing the history)
   * and loans at `asOf` (default: the last event), and returns the drafts and daily counts.
   */
  finish(asOf?: number): EngineResult {
    for (const d of [...this.snoop.keys()]) this.closeSnoopDay(d);
    const cfg = this.cfg;
    // Off-hours days that never reached the threshold stay quiet.
    const counts: DayCount[] = [];
    const daily: EngineResult['daily'] = [];
    for (const op of this.ops) {
      for (const [dayNum, s] of op.days) {
        // The stored daily records are the behaviour baseline's: approved accesses left out.
        const records = s.records - s.approvedRecords;
        daily.push({ operatorId: op.id, day: dayString(dayNum), events: s.events, records });
        if (records > 0)
          counts.push({
            operatorId: op.id,
            department: op.staff?.department ?? '',
            dayNum,
            working: this.isWorking(dayNum),
            records,
          });
      }
    }
    const history: History = new Map();
    for (const [opId, rows] of this.setup.history ?? []) {
      history.set(
        opId,
        rows.map((r) => {
          const dn = dayNumberOf(r.day);
          return { dayNum: dn, working: this.isWorking(dn), records: r.records };
        }),
      );
    }
    for (const f of detectVolumeSpikes(counts, history, cfg.volume)) {
      const d = this.book.get('VOLUME_SPIKE', f.operatorId, f.dayNum, dayString(f.dayNum));
      const op = this.ops.find((o) => o.id === f.operatorId)!;
      d.eventCount = op.days.get(f.dayNum)?.events ?? f.records;
      d.firstTs = f.dayNum * DAY_MS - SHANGHAI_OFFSET_MS;
      d.lastTs = d.firstTs + DAY_MS - 1;
      d.factor = Math.min(3, Math.max(1, f.ratio / cfg.volume.minRatio));
      d.facts = {
        records: f.records,
        baseline: f.rung,
        median: f.median,
        mad: f.mad,
        threshold: f.threshold,
        history_days: f.historyDays,
        peers: f.peers,
      };
    }
    const end = asOf ?? this.stats.lastTs ?? 0;
    const still = this.loans.finish(end);
    for (const o of this.loans.overdue) {
      const dueDay = Math.floor((o.dueAt + SHANGHAI_OFFSET_MS) / DAY_MS);
      const d = this.book.get('LOAN_OVERDUE', o.loan.operatorId, dueDay, dayString(dueDay));
      d.eventCount++;
      d.firstTs = Math.min(d.firstTs, o.loan.borrowedAt);
      d.lastTs = Math.max(d.lastTs, o.returnedAt ?? o.dueAt);
      if (!d.archives.has(o.loan.archive)) {
        d.archives.add(o.loan.archive);
        d.archivesTotal++;
      }
      const finding = o.returnedAt === null ? 'still_open' : 'returned_late';
      d.findings[finding] = (d.findings[finding] ?? 0) + 1;
      if (o.loan.evidence && d.events.length < cfg.evidenceEvents)
        d.events.push({ ...o.loan.evidence, finding });
      if (o.returnEvidence && d.events.length < cfg.evidenceEvents) d.events.push(o.returnEvidence);
      d.facts = { loan_days: cfg.loanDays, as_of: shanghaiIso(end) };
    }
    const approvalUsage: EngineResult['approvalUsage'] = [];
    for (const a of this.ledger.byId.values() as Iterable<Approval>) {
      if (a.usedThisRun > 0) approvalUsage.push({ approvalId: a.id, used: a.usedThisRun });
    }
    this.stats.unknownOperators.sort();
    return {
      drafts: [...this.book.drafts.values()],
      daily,
      openLoans: still,
      closedStoredLoans: this.loans.closedStored,
      approvalUsage,
      stats: this.stats,
    };
  }

  /** Department and branch of an operator, from the staff directory. */
  staffOf(operatorId: string): StaffEntry | undefined {
    return this.staff.get(operatorId)?.entry;
  }
}

/** Operators on one record in one day, with their first access (the first operator's is not kept). */
interface SnoopEntry {
  prefix: number;
  num: number;
  ops: number[];
  ts: number[];
  lines: number[];
  srcs: number[];
  actions: number[];
}
