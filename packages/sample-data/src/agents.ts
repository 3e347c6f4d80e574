// Sales staff master data, and the complaint history profile of each agent (which decides
// AGENT_RECHECK: two or more verified 销售误导 complaints in the year before the batch date).

import { ContactSpace } from './contacts.js';
import { dayFromCivil, isoDate } from './dates.js';
import { drawName, type Gender } from './names.js';
import { type Profile, resolveOptions, type SampleOptions } from './options.js';
import { hash32, Prng } from './prng.js';
import { BRANCH_WEIGHTS, BRANCHES, drawAddressRegion, drawAgentAddress } from './regions.js';

export interface AgentRow {
  agent_id: string;
  name: string;
  phone: string;
  address: string;
  channel: string;
  branch: string;
  /** 在职 (active) or 离职 (left); agents who left sell nothing in generated batches. */
  status: string;
  hired_on: string;
}

export const AGENT_COLUMNS: (keyof AgentRow)[] = [
  'agent_id',
  'name',
  'phone',
  'address',
  'channel',
  'branch',
  'status',
  'hired_on',
];
export const AGENT_COLUMNS_ZH: Record<keyof AgentRow, string> = {
  agent_id: '工号',
  name: '姓名',
  phone: '手机号码',
  address: '联系地址',
  channel: '渠道',
  branch: '机构',
  status: '状态',
  hired_on: '入职日期',
};

export const CHANNELS: Record<Profile, { names: readonly string[]; weights: readonly number[] }> = {
  insurance: { names: ['个险', '银保', '团险', '电销', '网销'], weights: [50, 20, 10, 10, 10] },
  telecom: { names: ['营业厅', '代理商', '线上'], weights: [50, 35, 15] },
};

export const AGENT_STATUS = { active: '在职', left: '离职' } as const;

/**
 * Complaint history of an agent:
 * - recheck: two or three verified 销售误导 in the year: every record they sold is AGENT_RECHECK;
 * - single: one verified 销售误导 in the year (not enough);
 * - unverified: several 销售误导 complaints, none verified;
 * - stale: one verified in the year and one older than a year;
 * - other: verified complaints of other categories only;
 * - none: no complaint.
 */
export type ComplaintProfile = 'recheck' | 'single' | 'unverified' | 'stale' | 'other' | 'none';

const PROFILE_SHARES: readonly [ComplaintProfile, number][] = [
  ['recheck', 0.04],
  ['single', 0.05],
  ['unverified', 0.03],
  ['stale', 0.03],
  ['other', 0.08],
];

/** Agent `index` (0-based) has id A000001 for index 0. */
export function agentId(index: number): string {
  return `A${String(index + 1).padStart(6, '0')}`;
}

/** Generates the agent master data; deterministic in (seed, agents, profile, signDateFrom). */
export function generateAgents(opts: SampleOptions): AgentRow[] {
  const o = resolveOptions(opts);
  const contacts = new ContactSpace(o.seed);
  const prng = new Prng(0);
  const channels = CHANNELS[o.profile];
  const hiredFrom = dayFromCivil(2008, 1, 1);
  const hiredTo = Math.max(hiredFrom, o.signFrom - 90);
  const agents: AgentRow[] = [];
  for (let j = 0; j < o.agents; j++) {
    prng.reseed(hash32(o.seed, 31, j));
    const branchIndex = prng.weighted(BRANCH_WEIGHTS);
    const gender: Gender = prng.chance(0.5) ? '男' : '女';
    agents.push({
      agent_id: agentId(j),
      name: drawName(prng, gender),
      phone: contacts.phone('agent', j),
      address: drawAgentAddress(prng, drawAddressRegion(prng, branchIndex, 0.9)),
      channel: channels.names[prng.weighted(channels.weights)]!,
      branch: BRANCHES[branchIndex]!.name,
      // The first agent always stays so a batch always has someone to sell.
      status: j > 0 && prng.chance(0.03) ? AGENT_STATUS.left : AGENT_STATUS.active,
      hired_on: isoDate(prng.between(hiredFrom, hiredTo)),
    });
  }
  return agents;
}

/**
 * The complaint profile of each agent, in the order given. Only active agents get complaints;
 * each profile gets a fixed share (at least one agent each when there are enough active agents).
 */
export function assignComplaintProfiles(agents: readonly AgentRow[], seed: number): ComplaintProfile[] {
  const profiles: ComplaintProfile[] = agents.map(() => 'none');
  const active = agents.flatMap((a, i) => (a.status === AGENT_STATUS.active ? [i] : []));
  new Prng(hash32(seed >>> 0, 32)).shuffle(active);
  let next = 0;
  for (const [profile, share] of PROFILE_SHARES) {
    const wanted =
      active.length >= 10 ? Math.max(1, Math.round(share * active.length)) : profile === 'recheck' ? 1 : 0;
    for (let k = 0; k < wanted && next < active.length - 1; k++) profiles[active[next++]!] = profile;
  }
  return profiles;
}
