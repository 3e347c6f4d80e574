import { once } from 'node:events';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { createCalendar } from '@custodian/core';
import { Prng } from '@custodian/sample-data/prng';
import type { AnomalyCode } from '../detect/codes.js';
import { DAY_MS, dayNumberOf, dayString, SHANGHAI_OFFSET_MS } from '../input/timestamp.js';
import {
  ARCHIVE_PREFIX,
  archiveNo,
  SAMPLE_BRANCHES,
  SAMPLE_DEPARTMENTS,
  SampleWorld,
} from './sample-world.js';

/**
 * A sample month of access logs for the demo, the tests and the bench: a staff directory, an
 * approval ledger, a record directory, one JSON Lines log per day (gzip by default) of ordinary
 * work, and misuse injected on purpose with an answer key (`labels.jsonl`): which operator should
 * get which anomaly code on which day. Deterministic for a seed. All data is fake.
 */
export interface SampleLogOptions {
  /** Staff in the directory (default 200). */
  staff?: number;
  /** First day (default 2026-11-01: a month without public holidays, so baselines fill quickly). */
  start?: string;
  days?: number;
  /** Total ordinary events to aim for (default about 230 per person per working day). */
  events?: number;
  /** Records in the archive (default 500 per person, at least 20,000). */
  archives?: number;
  seed?: number;
  /** Compress the daily logs (default true). */
  gzip?: boolean;
  /** Injected cases per code (default one per 200 staff, at least 1). */
  casesPerCode?: number;
  isWorkingDay?: (date: string) => boolean;
}

export interface InjectedCase {
  code: AnomalyCode;
  operator_id: string;
  day: string;
  note: string;
}

export interface SampleLogFiles {
  dir: string;
  staffFile: string;
  approvalsFile: string;
  recordsFile: string;
  logFiles: string[];
  labelsFile: string;
  labels: InjectedCase[];
  events: number;
  staff: number;
  days: string[];
  archives: number;
}

interface Person {
  id: string;
  idx: number;
  branch: number;
  dept: string;
  clearance: number;
  status: 'active' | 'transferred' | 'left';
  since: number | null;
  oldBranch: number;
  activity: number;
  export: boolean;
  print: boolean;
  delete: boolean;
  busy: boolean;
}

const CLEARANCE = ['普通', '秘密', '机密', '绝密'];
/**
 * Records per ordinary event, from the mix below: 72 % views (1), 20 % queries (half 1, half
 * 2-30: 8.5 on average), 7 % updates (1), the rest exports/prints/views (about 1-20).
 */
const RECORDS_PER_EVENT = 0.72 + 0.2 * (0.5 + 0.5 * 16) + 0.07 + 0.01 * 2;
const two = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

class DayLog {
  ts: number[] = [];
  lines: string[] = [];
}

export async function writeSampleLogs(dir: string, opts: SampleLogOptions = {}): Promise<SampleLogFiles> {
  const staffN = opts.staff ?? 200;
  const start = opts.start ?? '2026-11-01';
  const daysN = opts.days ?? 30;
  const gzip = opts.gzip ?? true;
  const rng = new Prng(opts.seed ?? 20261101);
  const calendar = opts.isWorkingDay
    ? { isWorkingDay: opts.isWorkingDay }
    : createCalendar({ onUncoveredYear: () => {} });
  const world = new SampleWorld(opts.archives ?? Math.max(20_000, staffN * 500));
  const casesPerCode = opts.casesPerCode ?? Math.max(1, Math.round(staffN / 200));
  mkdirSync(dir, { recursive: true });

  const firstDay = dayNumberOf(start);
  const dayNums = Array.from({ length: daysN }, (_, i) => firstDay + i);
  const working = dayNums.map((d) => calendar.isWorkingDay(dayString(d)));
  const workingIdx = dayNums.map((_, i) => i).filter((i) => working[i]);
  const perDay = (opts.events ?? staffN * 230 * workingIdx.length) / Math.max(1, staffN * workingIdx.length);
  const logs = dayNums.map(() => new DayLog());
  const approvals: string[][] = [];
  const labels: InjectedCase[] = [];

  const people: Person[] = [];
  for (let s = 0; s < staffN; s++) {
    const c = rng.next();
    const act = Math.exp(rng.normal() * 0.3);
    people.push({
      id: `OP${String(s + 1).padStart(5, '0')}`,
      idx: s,
      branch: s % world.branches,
      dept: SAMPLE_DEPARTMENTS[Math.floor(s / world.branches) % SAMPLE_DEPARTMENTS.length]!,
      clearance: c < 0.7 ? 0 : c < 0.9 ? 1 : c < 0.98 ? 2 : 3,
      status: 'active',
      since: null,
      oldBranch: s % world.branches,
      activity: act,
      export: rng.chance(0.3),
      print: rng.chance(0.15),
      delete: rng.chance(0.03),
      busy: false,
    });
  }
  // Operators for injected cases are drawn without replacement, so that each case stands alone.
  const pool = [...people];
  for (let i = pool.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  const take = (filter: (p: Person) => boolean = () => true): Person | undefined => {
    const k = pool.findIndex(filter);
    return k === -1 ? undefined : pool.splice(k, 1)[0];
  };
  // Ordinary movements: about 1 % transferred and 1 % left during the month.
  const mid = dayNums[Math.floor(daysN / 2)]!;
  for (let k = 0; k < Math.max(1, Math.round(staffN * 0.01)); k++) {
    const t = take();
    if (t) {
      t.status = 'transferred';
      t.since = mid;
      t.oldBranch = t.branch;
      t.branch = (t.branch + 1) % world.branches;
    }
    const l = take();
    if (l) {
      l.status = 'left';
      l.since = mid;
    }
  }

  const dayStart = (i: number) => dayNums[i]! * DAY_MS - SHANGHAI_OFFSET_MS;
  const iso = (ms: number) => {
    const local = ms + SHANGHAI_OFFSET_MS;
    const dn = Math.floor(local / DAY_MS);
    let sec = Math.floor((local - dn * DAY_MS) / 1000);
    const h = Math.floor(sec / 3600);
    sec -= h * 3600;
    const m = Math.floor(sec / 60);
    return `${dayString(dn)}T${two[h]}:${two[m]}:${two[sec - m * 60]}.000+08:00`;
  };
  const place = (p: Person, alt = 0) =>
    `10.${p.branch + 1}.${alt === 0 ? (p.idx >> 8) & 255 : 200 + alt}.${p.idx & 255}`;
  let events = 0;
  const emit = (
    di: number,
    ts: number,
    p: Person,
    action: string,
    extra: {
      archive?: number | string;
      count?: number;
      approval?: string;
      ip?: string;
      result?: string;
    } = {},
  ) => {
    let line = `{"ts":"${iso(ts)}","operator_id":"${p.id}","action":"${action}"`;
    if (extra.archive !== undefined)
      line += `,"archive_no":"${typeof extra.archive === 'number' ? archiveNo(extra.archive) : extra.archive}"`;
    if (extra.count !== undefined) line += `,"record_count":${extra.count}`;
    if (extra.approval) line += `,"approval_id":"${extra.approval}"`;
    line += `,"client_ip":"${extra.ip ?? place(p)}","terminal_id":"T${String(p.idx + 1).padStart(5, '0')}","result":"${extra.result ?? 'ok'}"}`;
    const log = logs[di]!;
    log.ts.push(ts);
    log.lines.push(line);
    events++;
  };
  // Records injected as snooping targets are left out of ordinary work, so that the crowd on
  // them is exactly the one in the answer key.
  const snoopTargets = new Set<number>();
  const safeRecord = (p: Person, branch = p.branch): number => {
    for (;;) {
      const n = world.drawInBranch(branch, rng.next());
      const s = world.secrecyOf(n);
      if (s < 2 && s <= p.clearance && !snoopTargets.has(n)) return n;
    }
  };
  const addApproval = (
    id: string,
    p: Person,
    kind: string,
    scope: string,
    from: string,
    to: string,
    max: number | null,
  ) =>
    approvals.push([id, p.id, kind, scope, '业务办理', 'MGR01', from, to, max === null ? '' : String(max)]);
  const lastDay = dayString(dayNums[daysN - 1]! + 7);

  // Departures injected as misuse are planned before ordinary work, which then respects them
  // (nothing ordinary after leaving; the new branch's records after a transfer).
  const pickDay0 = (minIdx: number) =>
    workingIdx[rng.between(Math.min(minIdx, workingIdx.length - 1), workingIdx.length - 1)]!;
  const departures: { left?: { person: Person; di: number }; moved?: { person: Person; di: number } }[] = [];
  for (let c = 0; c < casesPerCode; c++) {
    const plan: (typeof departures)[number] = {};
    const l = take((x) => x.status === 'active');
    if (l) {
      const di = pickDay0(6);
      l.status = 'left';
      l.since = dayNums[di]!;
      plan.left = { person: l, di };
    }
    const t = take((x) => x.status === 'active');
    if (t) {
      const di = pickDay0(6);
      t.status = 'transferred';
      t.since = dayNums[di]! - 2;
      t.oldBranch = t.branch;
      t.branch = (t.branch + 3) % world.branches;
      plan.moved = { person: t, di };
    }
    departures.push(plan);
  }
  for (const p of people) {
    if (p.status !== 'active') {
      // People who leave or move during the month hold no standing approvals (they would be out of scope after a move).
      p.export = p.print = p.delete = false;
    }
    const branchName = SAMPLE_BRANCHES[p.branch]!;
    if (p.export) addApproval(`AP-E-${p.id}`, p, 'export', `branch:${branchName}`, start, lastDay, 100_000);
    if (p.print) addApproval(`AP-P-${p.id}`, p, 'print', `branch:${branchName}`, start, lastDay, 100_000);
    if (p.delete) addApproval(`AP-D-${p.id}`, p, 'delete', `branch:${branchName}`, start, lastDay, 1000);
  }

  // Injected misuse, each with its answer-key entry.
  const label = (code: AnomalyCode, p: Person, di: number, note: string) =>
    labels.push({ code, operator_id: p.id, day: dayString(dayNums[di]!), note });
  const pickDay = (minIdx = 2, maxIdx = workingIdx.length - 1) =>
    workingIdx[rng.between(Math.min(minIdx, maxIdx), maxIdx)]!;
  const at = (di: number, h: number, m = 0) => dayStart(di) + (h * 3600 + m * 60) * 1000;
  const lastWorking = workingIdx.length - 1;
  for (let c = 0; c < casesPerCode; c++) {
    let p = take((x) => !x.export && x.status === 'active');
    if (p) {
      const di = pickDay();
      emit(di, at(di, 10, rng.int(50)), p, 'export', { archive: safeRecord(p), count: 20 });
      label('ACCESS_WITHOUT_APPROVAL', p, di, 'export with no approval at all');
    }
    p = take((x) => !x.export && x.status === 'active');
    if (p) {
      const di = pickDay(8);
      const id = `AP-X-${p.id}`;
      addApproval(
        id,
        p,
        'export',
        `branch:${SAMPLE_BRANCHES[p.branch]}`,
        dayString(dayNums[di]! - 30),
        dayString(dayNums[di]! - 5),
        500,
      );
      emit(di, at(di, 11, rng.int(50)), p, 'export', { archive: safeRecord(p), count: 10, approval: id });
      label('ACCESS_WITHOUT_APPROVAL', p, di, 'export under an expired approval');
    }
    p = take((x) => !x.export && x.status === 'active');
    if (p) {
      const di = pickDay();
      const rec = safeRecord(p);
      const id = `AP-Q-${p.id}`;
      addApproval(id, p, 'query', archiveNo(rec), start, lastDay, 10);
      emit(di, at(di, 10, 5), p, 'view', { archive: rec, approval: id });
      emit(di, at(di, 10, 25), p, 'export', { archive: rec, count: 1, approval: id });
      label('APPROVAL_SCOPE_EXCEEDED', p, di, 'escalation: approved to view, then exported');
    }
    p = take((x) => !x.export && x.status === 'active');
    if (p) {
      const di = pickDay();
      const id = `AP-O-${p.id}`;
      addApproval(id, p, 'export', `branch:${SAMPLE_BRANCHES[p.branch]}`, start, lastDay, 50);
      for (let k = 0; k < 3; k++)
        emit(di, at(di, 14, 10 * k), p, 'export', { archive: safeRecord(p), count: 30, approval: id });
      label('APPROVAL_SCOPE_EXCEEDED', p, di, 'over quota: 90 records under an approval for 50');
    }
    p = take((x) => !x.export && x.status === 'active');
    if (p) {
      const di = pickDay();
      const a = safeRecord(p);
      const b = safeRecord(p);
      const id = `AP-S-${p.id}`;
      addApproval(id, p, 'export', `${archiveNo(a)};${archiveNo(b)}`, start, lastDay, 10);
      emit(di, at(di, 15, rng.int(50)), p, 'export', { archive: safeRecord(p), count: 1, approval: id });
      label('APPROVAL_SCOPE_EXCEEDED', p, di, 'export of a record outside the approved list');
    }
    const dep = departures[c];
    if (dep?.left) {
      const { person, di } = dep.left;
      emit(di, at(di, 9, 5), person, 'login');
      for (let k = 0; k < 5; k++)
        emit(di, at(di, 9, 10 + k), person, 'view', { archive: safeRecord(person) });
      label('ACCESS_AFTER_DEPARTURE', person, di, 'activity after leaving');
    }
    if (dep?.moved) {
      const { person, di } = dep.moved;
      for (let k = 0; k < 5; k++)
        emit(di, at(di, 10, 10 + k), person, 'view', { archive: safeRecord(person, person.oldBranch) });
      label('ACCESS_AFTER_DEPARTURE', person, di, 'transferred: old branch records after the transfer');
    }
    p = take((x) => x.clearance === 0 && x.status === 'active');
    if (p) {
      const di = pickDay();
      let n = 0;
      for (let k = 0; n < 3 && k < 1_000_000; k++) {
        const rec = world.drawInBranch(p.branch, rng.next());
        if (world.secrecyOf(rec) === 1) {
          emit(di, at(di, 11, 10 + n), p, 'view', { archive: rec });
          n++;
        }
      }
      label('CLEARANCE_VIOLATION', p, di, '普通 clearance viewed 秘密 records');
    }
    p = take((x) => x.status === 'active');
    if (p) {
      const di = workingIdx[rng.between(2, Math.max(2, workingIdx.length - 8))]!;
      const rec = safeRecord(p);
      const id = `AP-L-${p.id}`;
      addApproval(id, p, 'borrow', archiveNo(rec), start, lastDay, 1);
      const ts = at(di, 10);
      emit(di, ts, p, 'borrow', { archive: rec, approval: id });
      if (di + 5 < daysN) emit(di + 5, ts + 5 * DAY_MS, p, 'return', { archive: rec });
      labels.push({
        code: 'LOAN_OVERDUE',
        operator_id: p.id,
        day: dayString(Math.floor((ts + 3 * DAY_MS + SHANGHAI_OFFSET_MS) / DAY_MS)),
        note: 'returned after five days',
      });
    }
    p = take((x) => x.status === 'active');
    if (p) {
      const di = workingIdx[Math.max(0, lastWorking - 5)]!;
      const rec = safeRecord(p);
      const id = `AP-N-${p.id}`;
      addApproval(id, p, 'borrow', archiveNo(rec), start, lastDay, 1);
      const ts = at(di, 11);
      emit(di, ts, p, 'borrow', { archive: rec, approval: id });
      labels.push({
        code: 'LOAN_OVERDUE',
        operator_id: p.id,
        day: dayString(Math.floor((ts + 3 * DAY_MS + SHANGHAI_OFFSET_MS) / DAY_MS)),
        note: 'never returned',
      });
    }
    p = take((x) => x.status === 'active');
    if (p) {
      const di = pickDay();
      emit(di, at(di, 21, 30), p, 'login');
      for (let k = 0; k < 8; k++) emit(di, at(di, 21, 35 + k * 4), p, 'view', { archive: safeRecord(p) });
      emit(di, at(di, 22, 15), p, 'logout');
      label('OFF_HOURS_ACCESS', p, di, 'a session at 21:30 on a working day');
    }
    p = take((x) => x.status === 'active');
    if (p) {
      const di = pickDay(Math.min(12, lastWorking));
      // Five normal days' worth of records on top of the normal day: six times the usual records
      // (an ordinary event touches RECORDS_PER_EVENT records on average: queries return several).
      const n = Math.round(perDay * p.activity * RECORDS_PER_EVENT * 5);
      for (let k = 0; k < n; k++)
        emit(di, at(di, 9) + Math.floor(rng.next() * 8 * 3_600_000), p, 'view', { archive: safeRecord(p) });
      label('VOLUME_SPIKE', p, di, `${n} extra views, six times the person's normal day of records`);
    }
    p = take((x) => x.status === 'active');
    if (p) {
      const di = pickDay();
      const first = world.drawInBranch(p.branch, rng.next() * 0.9);
      for (let k = 0; k < 40; k++) emit(di, at(di, 14) + k * 20_000, p, 'view', { archive: first + k });
      label('ENUMERATION', p, di, '40 consecutive archive numbers, one every 20 s');
    }
    {
      const di = pickDay();
      const target = safeRecordAny(world, rng);
      snoopTargets.add(target);
      const crowd: Person[] = [];
      for (let k = 0; k < 12; k++) {
        const q = take((x) => x.status === 'active');
        if (q) crowd.push(q);
      }
      if (crowd.length >= 10) {
        for (const q of crowd) {
          emit(di, at(di, 9 + rng.int(8), rng.int(60)), q, 'view', { archive: target });
          label('TARGET_SNOOPING', q, di, `one of ${crowd.length} operators looking at ${archiveNo(target)}`);
        }
      }
    }
    p = take((x) => x.status === 'active');
    if (p) {
      const di = pickDay();
      for (let k = 0; k < 8; k++)
        emit(di, at(di, 8, 40) + k * 15_000, p, 'login_failed', { result: 'denied' });
      label('LOGIN_BRUTE_FORCE', p, di, 'eight failed logins in two minutes');
    }
    p = take((x) => x.status === 'active');
    if (p) {
      const di = pickDay();
      for (let k = 0; k < 6; k++)
        emit(di, at(di, 15, k * 2), p, 'view', {
          archive: safeRecord(p),
          ...(k % 2 === 1 ? { ip: `172.16.${p.idx & 255}.9` } : {}),
        });
      label('CONCURRENT_SESSION', p, di, 'views alternating between the desk and another address');
    }
    p = take((x) => !x.delete && x.status === 'active');
    if (p) {
      const di = pickDay();
      emit(di, at(di, 16, rng.int(50)), p, 'delete', { archive: safeRecord(p) });
      label('DELETION_WITHOUT_APPROVAL', p, di, 'deletion with no approval');
    }
    p = take((x) => x.status === 'active');
    if (p) {
      const di = pickDay();
      const id = `AP-K-${p.id}`;
      addApproval(id, p, 'export', `branch:${SAMPLE_BRANCHES[p.branch]}`, start, lastDay, 10_000);
      emit(di, at(di, 16, 5), p, 'export', { count: 3000, approval: id });
      label('BULK_EXPORT', p, di, 'one export of 3,000 records (approved, but bulk)');
    }
  }

  // Ordinary work, day by day; each day's log is written (sorted by time) as soon as it is
  // complete, so memory holds one day, not the month.
  const logFiles: string[] = [];
  const flushDay = async (di: number): Promise<string> => {
    const log = logs[di]!;
    const order = Array.from({ length: log.ts.length }, (_, i) => i);
    order.sort((a, b) => log.ts[a]! - log.ts[b]!);
    const file = join(dir, `access-${dayString(dayNums[di]!)}.jsonl${gzip ? '.gz' : ''}`);
    await writeLines(
      file,
      [],
      (function* () {
        for (const i of order) yield log.lines[i]!;
      })(),
      gzip,
    );
    logs[di] = new DayLog();
    return file;
  };
  let borrowSeq = 0;
  for (let di = 0; di < daysN; di++) {
    if (!working[di]) {
      logFiles.push(await flushDay(di));
      continue;
    }
    const base = dayStart(di);
    for (const p of people) {
      if (p.status === 'left' && p.since !== null && dayNums[di]! >= p.since) continue;
      if (rng.chance(0.04)) continue; // on leave
      const branch =
        p.status === 'transferred' && p.since !== null && dayNums[di]! < p.since ? p.oldBranch : p.branch;
      const n = Math.max(1, Math.round(perDay * p.activity * (0.8 + rng.next() * 0.4)));
      const from = base + (8 * 3600 + 30 * 60 + rng.int(45 * 60)) * 1000;
      const to = base + (17 * 3600 + 15 * 60 + rng.int(40 * 60)) * 1000;
      const moves = rng.chance(0.05);
      const lunch = base + (12 * 3600 + rng.int(1800)) * 1000;
      if (rng.chance(0.01)) emit(di, from - 20_000, p, 'login_failed', { result: 'denied' });
      emit(di, from, p, 'login');
      if (moves) {
        emit(di, lunch, p, 'logout');
        emit(di, lunch + 3_600_000, p, 'login', { ip: place(p, 1) });
      }
      const span = to - from - 120_000;
      for (let k = 0; k < n; k++) {
        const ts = from + 60_000 + Math.floor(rng.next() * span);
        const ip = moves && ts > lunch ? place(p, 1) : undefined;
        if (moves && ts > lunch && ts < lunch + 3_600_000) continue;
        const r = rng.next();
        const ipx = ip ? { ip } : {};
        if (r < 0.72) emit(di, ts, p, 'view', { archive: safeRecord(p, branch), ...ipx });
        else if (r < 0.92) {
          const count = rng.chance(0.5) ? 1 : rng.between(2, 30);
          emit(
            di,
            ts,
            p,
            'query',
            count === 1 ? { archive: safeRecord(p, branch), count, ...ipx } : { count, ...ipx },
          );
        } else if (r < 0.99) emit(di, ts, p, 'update', { archive: safeRecord(p, branch), ...ipx });
        else if (r < 0.995 && p.export && branch === p.branch)
          emit(di, ts, p, 'export', {
            archive: safeRecord(p, branch),
            count: rng.between(1, 40),
            ...(rng.chance(0.8) ? { approval: `AP-E-${p.id}` } : {}),
            ...ipx,
          });
        else if (r < 0.998 && p.print && branch === p.branch)
          emit(di, ts, p, 'print', {
            archive: safeRecord(p, branch),
            count: 1,
            approval: `AP-P-${p.id}`,
            ...ipx,
          });
        else if (r < 0.999 && p.delete && branch === p.branch)
          emit(di, ts, p, 'delete', { archive: safeRecord(p, branch), approval: `AP-D-${p.id}`, ...ipx });
        else if (r >= 0.999 && ts < base + 16 * 3_600_000) {
          const rec = safeRecord(p, branch);
          const id = `AP-B-${String(++borrowSeq).padStart(6, '0')}`;
          addApproval(
            id,
            p,
            'borrow',
            archiveNo(rec),
            dayString(dayNums[di]!),
            dayString(dayNums[di]! + 6),
            1,
          );
          emit(di, ts, p, 'borrow', { archive: rec, approval: id, ...ipx });
          // Returned the same afternoon or the next day, well within three days.
          const back = rng.chance(0.5) && di + 1 < daysN ? di + 1 : di;
          const backTs =
            back === di ? Math.min(ts + 3_600_000, base + 17.9 * 3_600_000) : dayStart(back) + 10 * 3_600_000;
          // Returned from wherever the person works at that moment (after a move: the afternoon desk).
          emit(back, backTs, p, 'return', {
            archive: rec,
            ...(back === di && moves && backTs > lunch ? { ip: place(p, 1) } : {}),
          });
        } else emit(di, ts, p, 'view', { archive: safeRecord(p, branch), ...ipx });
      }
      if (rng.chance(0.03)) {
        // A little overtime: one or two look-ups after hours, below the off-hours threshold.
        const k = rng.between(1, 2);
        for (let j = 0; j < k; j++)
          emit(di, base + (18 * 3600 + rng.int(2400)) * 1000, p, 'view', { archive: safeRecord(p, branch) });
      }
      emit(di, to, p, 'logout', moves ? { ip: place(p, 1) } : {});
    }
    logFiles.push(await flushDay(di));
  }

  // Files.
  const staffFile = join(dir, 'staff.csv');
  await writeLines(
    staffFile,
    ['operator_id,name,department,branch,role,clearance,status,status_since'],
    people.map(
      (p) =>
        `${p.id},员工${String(p.idx + 1).padStart(4, '0')},${p.dept},${SAMPLE_BRANCHES[p.branch]},${p.delete ? '档案管理员' : '业务员'},${CLEARANCE[p.clearance]},${p.status},${p.since === null ? '' : dayString(p.since)}`,
    ),
    false,
  );
  const approvalsFile = join(dir, 'approvals.csv');
  await writeLines(
    approvalsFile,
    ['approval_id,operator_id,kind,scope,purpose,approved_by,valid_from,valid_to,max_records'],
    approvals.map((a) => a.join(',')),
    false,
  );
  const recordsFile = join(dir, 'records.csv');
  await writeLines(
    recordsFile,
    ['archive_no,branch,secrecy_level'],
    (function* () {
      for (let n = 1; n <= world.perBranch * world.branches; n++)
        yield `${ARCHIVE_PREFIX}${String(n).padStart(9, '0')},${SAMPLE_BRANCHES[world.branchOf(n)]},${CLEARANCE[world.secrecyOf(n)]}`;
    })(),
    false,
  );
  const labelsFile = join(dir, 'labels.jsonl');
  await writeLines(
    labelsFile,
    [],
    labels.map((l) => JSON.stringify(l)),
    false,
  );
  return {
    dir,
    staffFile,
    approvalsFile,
    recordsFile,
    logFiles,
    labelsFile,
    labels,
    events,
    staff: staffN,
    days: dayNums.map(dayString),
    archives: world.perBranch * world.branches,
  };
}

function safeRecordAny(world: SampleWorld, rng: Prng): number {
  for (;;) {
    const n = 1 + rng.int(world.perBranch * world.branches);
    if (world.secrecyOf(n) === 0) return n;
  }
}

async function writeLines(
  file: string,
  head: string[],
  lines: Iterable<string>,
  gzip: boolean,
): Promise<void> {
  const out = createWriteStream(file);
  const target: NodeJS.WritableStream = gzip ? createGzip({ level: 1 }) : out;
  if (gzip) (target as ReturnType<typeof createGzip>).pipe(out);
  let buf = '';
  const write = async (s: string) => {
    if (!target.write(s)) await once(target as WriteStream, 'drain');
  };
  for (const h of head) buf += `${h}\n`;
  for (const l of lines) {
    buf += `${l}\n`;
    if (buf.length > 1 << 20) {
      await write(buf);
      buf = '';
    }
  }
  if (buf) await write(buf);
  target.end();
  await once(out, 'finish');
}
