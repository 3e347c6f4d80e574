import type { AuditorConfig } from '../config.js';
import { MAD_SCALE, mad, median } from './robust-stats.js';

/**
 * VOLUME_SPIKE (000 "客户管理档案管理制度" §7.3: alarm against illegal acquisition): a person's
 * records accessed in one day against robust baselines, on a cold-start ladder —
 *  1. own baseline (median and MAD of the person's own active days of the same day type, working
 *     day or rest day per the core calendar with 调休) once `minOwnDays` of history exist; the day
 *     must also be above the department's median that day, so a busy day for the whole
 *     department (month end) is not blamed on each person;
 *  2. else the department peers' same-day baseline when `minPeers` peers were active (with
 *     `partialOwnDays` of own history, the day must also be `minRatio` × the own median);
 *  3. else a static threshold.
 * Every rung also asks for `minRatio` × the median and `minRecords`, so small numbers never alarm.
 */
export interface DayCount {
  operatorId: string;
  department: string;
  dayNum: number;
  working: boolean;
  records: number;
}

export interface SpikeFinding {
  operatorId: string;
  dayNum: number;
  records: number;
  rung: 'own' | 'peers' | 'static';
  median: number | null;
  mad: number | null;
  threshold: number;
  historyDays: number;
  peers: number;
  ratio: number;
}

export type History = Map<string, { dayNum: number; working: boolean; records: number }[]>;

function limitOf(med: number, m: number, cfg: AuditorConfig['volume']): number {
  const spread = Math.max(m, med * cfg.madFloorRatio, 1) * MAD_SCALE;
  return Math.max(med + cfg.madK * spread, med * cfg.minRatio, cfg.minRecords);
}

/**
 * Judges every operator-day of `days` (in day order). `history` holds earlier days (from the
 * database) and is extended with each judged day, so that a month audited at once builds its
 * own history day by day exactly as nightly runs would.
 */
export function detectVolumeSpikes(
  days: DayCount[],
  history: History,
  cfg: AuditorConfig['volume'],
): SpikeFinding[] {
  const findings: SpikeFinding[] = [];
  const byDay = new Map<number, DayCount[]>();
  for (const d of days) {
    let list = byDay.get(d.dayNum);
    if (!list) {
      list = [];
      byDay.set(d.dayNum, list);
    }
    list.push(d);
  }
  for (const dayNum of [...byDay.keys()].sort((a, b) => a - b)) {
    const list = byDay.get(dayNum)!;
    const byDept = new Map<string, DayCount[]>();
    for (const d of list) {
      let v = byDept.get(d.department);
      if (!v) {
        v = [];
        byDept.set(d.department, v);
      }
      v.push(d);
    }
    // One median and MAD per department and day, the person included: with at least `minPeers`
    // peers one person moves the median by at most one rank, and this stays linear in staff.
    const deptStats = new Map<string, { med: number; mad: number; n: number }>();
    for (const [dept, v] of byDept) {
      const values = v.map((p) => p.records);
      const med = median(values);
      deptStats.set(dept, { med, mad: mad(values, med), n: v.length });
    }
    for (const d of list) {
      const own = (history.get(d.operatorId) ?? []).filter(
        (h) => h.working === d.working && h.dayNum < dayNum && h.dayNum >= dayNum - cfg.historyDays,
      );
      const dept = deptStats.get(d.department)!;
      const peerCount = dept.n - 1;
      let finding: SpikeFinding | undefined;
      if (own.length >= cfg.minOwnDays) {
        const values = own.map((h) => h.records);
        const med = median(values);
        const m = mad(values, med);
        const limit = limitOf(med, m, cfg);
        const aboveDept = peerCount < cfg.minPeers || d.records > dept.med;
        if (d.records > limit && aboveDept)
          finding = {
            operatorId: d.operatorId,
            dayNum,
            records: d.records,
            rung: 'own',
            median: med,
            mad: m,
            threshold: Math.round(limit),
            historyDays: own.length,
            peers: peerCount,
            ratio: d.records / Math.max(med, 1),
          };
      } else if (peerCount >= cfg.minPeers) {
        const med = dept.med;
        const m = dept.mad;
        const limit = limitOf(med, m, cfg);
        const ownMedian = own.length >= cfg.partialOwnDays ? median(own.map((h) => h.records)) : 0;
        if (d.records > limit && d.records > cfg.minRatio * ownMedian)
          finding = {
            operatorId: d.operatorId,
            dayNum,
            records: d.records,
            rung: 'peers',
            median: med,
            mad: m,
            threshold: Math.round(limit),
            historyDays: own.length,
            peers: peerCount,
            ratio: d.records / Math.max(med, 1),
          };
      } else if (d.records > cfg.staticRecords) {
        finding = {
          operatorId: d.operatorId,
          dayNum,
          records: d.records,
          rung: 'static',
          median: null,
          mad: null,
          threshold: cfg.staticRecords,
          historyDays: own.length,
          peers: peerCount,
          ratio: d.records / cfg.staticRecords,
        };
      }
      if (finding) findings.push(finding);
    }
    for (const d of list) {
      let h = history.get(d.operatorId);
      if (!h) {
        h = [];
        history.set(d.operatorId, h);
      }
      h.push({ dayNum, working: d.working, records: d.records });
    }
  }
  return findings;
}
