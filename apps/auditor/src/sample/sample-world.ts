/**
 * The synthetic organisation behind the sample logs: branches, departments and a record universe
 * whose owning branch and secrecy level follow from the archive number (no table kept), so that a
 * month for 2,000 staff and a million records is generated in constant memory.
 */
export const SAMPLE_BRANCHES = [
  '北京分公司',
  '上海分公司',
  '广东分公司',
  '江苏分公司',
  '浙江分公司',
  '四川分公司',
  '湖北分公司',
  '山东分公司',
] as const;

export const SAMPLE_DEPARTMENTS = [
  '客户服务部',
  '理赔部',
  '核保部',
  '档案室',
  '销售管理部',
  '合规部',
] as const;

export const ARCHIVE_PREFIX = 'KH';
/** Same shape as @custodian/sample-data's archive numbers (`KH` + 9 digits), so a demo's ingested records line up. */
export const ARCHIVE_WIDTH = 9;

export function archiveNo(num: number): string {
  return ARCHIVE_PREFIX + String(num).padStart(ARCHIVE_WIDTH, '0');
}

export class SampleWorld {
  readonly perBranch: number;

  constructor(
    readonly archives: number,
    readonly branches: number = SAMPLE_BRANCHES.length,
  ) {
    this.perBranch = Math.floor(archives / branches);
  }

  /** Branch index owning an archive number (contiguous blocks, 1-based numbers). */
  branchOf(num: number): number {
    return Math.min(this.branches - 1, Math.floor((num - 1) / this.perBranch));
  }

  /** Secrecy rank of a record: 98.5 % 普通, 1 % 秘密, 0.4 % 机密, 0.1 % 绝密 (as in @custodian/sample-data). */
  secrecyOf(num: number): number {
    const h = hashInt(num, 0x5ec) % 1000;
    return h < 985 ? 0 : h < 995 ? 1 : h < 999 ? 2 : 3;
  }

  /** A uniformly drawn archive number of a branch. */
  drawInBranch(branch: number, r: number): number {
    return branch * this.perBranch + 1 + Math.floor(r * this.perBranch);
  }
}

/** A well-spread 32-bit hash of an integer (deterministic per-record attributes without storing them). */
function hashInt(x: number, salt = 0): number {
  let h = Math.imul((x ^ salt) >>> 0, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
