// Regions, branches and postal addresses. Customer and agent addresses are built from disjoint
// patterns (a customer lives in "…号N栋N单元N室", an agent in "…号<小区>N号楼N室"), so a clean
// customer's address can never equal an agent's: AGENT_CONTACT_SUBSTITUTION only where injected.
import { cumulativeWeights, type Prng } from './prng.js';
import { ADDRESS_ONLY_REGIONS, ID_REGIONS, type RegionTuple } from './region-table.js';

export { ADDRESS_ONLY_REGIONS, ID_REGIONS, type RegionTuple };

/**
 * County codes reported real on issued cards but absent from every published list
 * (shared/data/README.md, "Known gaps"): a correct validator accepts them with an ID_REGION warning.
 */
export const UNKNOWN_COUNTY_CODES = [
  '321119',
  '430419',
  '632824',
  '632825',
  '632826',
  '320219',
  '230119',
] as const;

export interface Branch {
  name: string;
  /** Region code prefix the branch serves (province, or city for Shenzhen). */
  prefix: string;
  /** Relative size of the branch: share of agents. */
  weight: number;
}

export const BRANCHES: readonly Branch[] = [
  { name: '北京分公司', prefix: '11', weight: 12 },
  { name: '上海分公司', prefix: '31', weight: 12 },
  { name: '广东分公司', prefix: '44', weight: 12 },
  { name: '深圳分公司', prefix: '4403', weight: 8 },
  { name: '江苏分公司', prefix: '32', weight: 12 },
  { name: '浙江分公司', prefix: '33', weight: 11 },
  { name: '山东分公司', prefix: '37', weight: 10 },
  { name: '四川分公司', prefix: '51', weight: 9 },
  { name: '湖北分公司', prefix: '42', weight: 7 },
  { name: '河南分公司', prefix: '41', weight: 7 },
];

export const BRANCH_WEIGHTS: readonly number[] = BRANCHES.map((b) => b.weight);
/** BRANCH_WEIGHTS as running sums, for Prng.pickCumulative. */
export const BRANCH_CUMULATIVE: readonly number[] = cumulativeWeights(BRANCH_WEIGHTS);

const ALL_ADDRESS_REGIONS: readonly RegionTuple[] = [...ID_REGIONS, ...ADDRESS_ONLY_REGIONS];

/** Address regions of each branch, in BRANCHES order. 广东分公司 excludes Shenzhen, served apart. */
export const BRANCH_REGIONS: readonly (readonly RegionTuple[])[] = BRANCHES.map((b) =>
  ALL_ADDRESS_REGIONS.filter(
    (r) => r[0].startsWith(b.prefix) && !(b.prefix === '44' && r[0].startsWith('4403')),
  ),
);

for (const [i, list] of BRANCH_REGIONS.entries()) {
  if (list.length === 0) throw new Error(`no address region for ${BRANCHES[i]!.name}`);
}

const STREETS = [
  ...'人民,解放,中山,建设,和平,新华,胜利,朝阳,文化,长江,黄河,滨江,光明,青年,幸福,东风,友谊,工农,团结,育才,花园,迎宾,公园,体育,学府,南京,北京,金沙,振兴,江南'.split(
    ',',
  ),
];
const STREET_SUFFIXES = ['路', '路', '路', '街', '大道', '大街'];
const COMMUNITIES = [
  ...'阳光花园,锦绣家园,金色港湾,碧水蓝天,翠苑小区,御景华庭,世纪新城,丽景名苑,怡和苑,书香门第,东湖小区,滨河佳园,紫荆公寓,枫林绿洲,万科城'.split(
    ',',
  ),
];

function regionPrefix(region: RegionTuple): string {
  return region[1] + region[2] + region[3];
}

/** A customer's address: street number, building (栋), unit and room. */
export function drawCustomerAddress(prng: Prng, region: RegionTuple): string {
  const street = prng.pick(STREETS) + prng.pick(STREET_SUFFIXES);
  return `${regionPrefix(region)}${street}${prng.between(1, 999)}号${prng.between(1, 30)}栋${prng.between(1, 6)}单元${prng.between(1, 32)}0${prng.between(1, 4)}室`;
}

/** An agent's address: street number, residential compound, building (号楼) and room. */
export function drawAgentAddress(prng: Prng, region: RegionTuple): string {
  const street = prng.pick(STREETS) + prng.pick(STREET_SUFFIXES);
  return `${regionPrefix(region)}${street}${prng.between(1, 999)}号${prng.pick(COMMUNITIES)}${prng.between(1, 40)}号楼${prng.between(1, 28)}0${prng.between(1, 6)}室`;
}

/** A region for an address: usually within the given branch's area, sometimes anywhere. */
export function drawAddressRegion(prng: Prng, branchIndex: number, stayLocal = 0.85): RegionTuple {
  if (prng.chance(stayLocal)) return prng.pick(BRANCH_REGIONS[branchIndex]!);
  return prng.pick(ALL_ADDRESS_REGIONS);
}

function findBranch(code: string): number {
  const city = BRANCHES.findIndex((b) => b.prefix.length === 4 && code.startsWith(b.prefix));
  if (city >= 0) return city;
  return BRANCHES.findIndex((b) => b.prefix.length === 2 && code.startsWith(b.prefix));
}

const BRANCH_OF_REGION = new Map(ALL_ADDRESS_REGIONS.map((r) => [r[0], findBranch(r[0])]));

/** The branch whose area contains a region code, or -1. */
export function branchOfRegion(code: string): number {
  return BRANCH_OF_REGION.get(code) ?? findBranch(code);
}
