// Complaints against agents. The history of each agent follows its ComplaintProfile, so the set of
// agents due for AGENT_RECHECK is known in advance and the records they sold can be labelled.
import { AGENT_STATUS, type AgentRow, assignComplaintProfiles } from './agents.js';
import { isoDate } from './dates.js';
import { resolveOptions, type SampleOptions } from './options.js';
import { hash32, Prng } from './prng.js';

export interface ComplaintRow {
  complaint_id: string;
  agent_id: string;
  received_on: string;
  category: string;
  /** 是 when the complaint was verified, 否 otherwise. */
  verified: string;
}

export const COMPLAINT_COLUMNS: (keyof ComplaintRow)[] = [
  'complaint_id',
  'agent_id',
  'received_on',
  'category',
  'verified',
];

/** The category that counts for AGENT_RECHECK (002 §3.14). */
export const MIS_SELLING = '销售误导';

const OTHER_CATEGORIES = {
  insurance: ['服务态度', '理赔纠纷', '退保纠纷'],
  telecom: ['资费争议', '服务态度', '网络质量'],
} as const;

/**
 * Day ranges, relative to the batch date, where complaints of each kind fall. "Recent" complaints
 * stay at least 20 days inside the 365-day window, "old" ones at least 55 days outside it, so an
 * off-by-one in the rule cannot change the verdict. When the sign-date window is short, recent
 * complaints also precede the first sign date, so counting the year before each record's sign
 * date instead of the batch date gives the same answer.
 */
export function complaintWindows(
  signFrom: number,
  batchDay: number,
): { recent: [number, number]; old: [number, number] } {
  const earliest = batchDay - 330;
  const beforeSigning = Math.min(batchDay - 20, signFrom - 10);
  const recentTo = beforeSigning - earliest >= 30 ? beforeSigning : batchDay - 20;
  return { recent: [earliest, recentTo], old: [batchDay - 760, batchDay - 420] };
}

/** Complaints for the given agents (as produced by generateAgents with the same options). */
export function generateComplaints(agents: readonly AgentRow[], opts: SampleOptions): ComplaintRow[] {
  const o = resolveOptions(opts);
  const profiles = assignComplaintProfiles(agents, o.seed);
  const { recent, old } = complaintWindows(o.signFrom, o.batchDay);
  const others = OTHER_CATEGORIES[o.profile];
  const prng = new Prng(0);
  const out: { agent_id: string; day: number; category: string; verified: boolean }[] = [];
  agents.forEach((agent, j) => {
    if (agent.status !== AGENT_STATUS.active) return;
    prng.reseed(hash32(o.seed, 33, j));
    const add = (range: [number, number], category: string, verified: boolean) =>
      out.push({ agent_id: agent.agent_id, day: prng.between(range[0], range[1]), category, verified });
    switch (profiles[j]) {
      case 'recheck':
        for (let k = prng.between(2, 3); k > 0; k--) add(recent, MIS_SELLING, true);
        if (prng.chance(0.5)) add(recent, prng.pick(others), prng.chance(0.5));
        break;
      case 'single':
        add(recent, MIS_SELLING, true);
        if (prng.chance(0.5)) add(recent, MIS_SELLING, false);
        break;
      case 'unverified':
        for (let k = prng.between(2, 4); k > 0; k--) add(recent, MIS_SELLING, false);
        break;
      case 'stale':
        add(recent, MIS_SELLING, true);
        add(old, MIS_SELLING, true);
        break;
      case 'other':
        for (let k = prng.between(1, 3); k > 0; k--) add(recent, prng.pick(others), true);
        break;
      default:
        break;
    }
  });
  out.sort((a, b) => a.day - b.day || a.agent_id.localeCompare(b.agent_id));
  return out.map((c, i) => ({
    complaint_id: `TS${String(i + 1).padStart(8, '0')}`,
    agent_id: c.agent_id,
    received_on: isoDate(c.day),
    category: c.category,
    verified: c.verified ? '是' : '否',
  }));
}
