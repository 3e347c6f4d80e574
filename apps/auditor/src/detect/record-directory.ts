import { splitArchiveNo } from '../input/event-batch.js';

/**
 * Secrecy level and owning branch of archive records, looked up per event in constant time. For
 * archive numbers of the usual shape (prefix + digits) the values sit in dense typed arrays
 * indexed by the number (a million records cost 3 MB); other archive numbers go to a Map.
 */
const DENSE_LIMIT = 50_000_000;

interface Dense {
  secrecy: Uint8Array;
  branch: Uint16Array;
}

export class RecordDirectory {
  private readonly dense = new Map<string, Dense>();
  private readonly sparse = new Map<string, { secrecy: number; branch: number }>();
  private readonly branchIds = new Map<string, number>();
  readonly branchNames: string[] = [''];
  /** Records with a branch (0 when only classified records were loaded). */
  withBranch = 0;
  size = 0;

  branchId(name: string): number {
    let id = this.branchIds.get(name);
    if (id === undefined) {
      id = this.branchNames.length;
      this.branchIds.set(name, id);
      this.branchNames.push(name);
    }
    return id;
  }

  /** Adds or replaces a record; `secrecy` is a rank (普通 0 … 绝密 3). */
  add(archive: string, secrecy: number, branch: string | null): void {
    const b = branch ? this.branchId(branch) : 0;
    if (b > 0) this.withBranch++;
    this.size++;
    const { key, num } = splitArchiveNo(archive.trim());
    if (num >= 0 && num < DENSE_LIMIT) {
      let d = this.dense.get(key);
      if (!d) {
        d = { secrecy: new Uint8Array(1024), branch: new Uint16Array(1024) };
        this.dense.set(key, d);
      }
      if (num >= d.secrecy.length) {
        let cap = d.secrecy.length;
        while (cap <= num) cap *= 2;
        const s = new Uint8Array(cap);
        s.set(d.secrecy);
        const br = new Uint16Array(cap);
        br.set(d.branch);
        d = { secrecy: s, branch: br };
        this.dense.set(key, d);
      }
      // Stored +1 so that 0 means "not in the directory".
      d.secrecy[num] = secrecy + 1;
      d.branch[num] = b;
    } else {
      this.sparse.set(archive.trim(), { secrecy, branch: b });
    }
  }

  /** A resolver for one archive-prefix key of the event dictionaries (resolved once per key). */
  resolver(key: string): ArchiveResolver {
    if (key.charCodeAt(0) === 61) {
      const hit = this.sparse.get(key.slice(1));
      return { dense: undefined, secrecy: hit?.secrecy ?? -1, branch: hit?.branch ?? 0 };
    }
    return { dense: this.dense.get(key), secrecy: -1, branch: 0 };
  }
}

/** Look-up state for one archive prefix: a dense table, or the fixed answer of a whole-string key. */
export interface ArchiveResolver {
  dense: Dense | undefined;
  secrecy: number;
  branch: number;
}

/** Secrecy rank of the record, -1 when it is not in the directory. */
export function secrecyOf(r: ArchiveResolver, num: number): number {
  if (r.dense) {
    const v = num >= 0 && num < r.dense.secrecy.length ? r.dense.secrecy[num]! : 0;
    return v - 1;
  }
  return r.secrecy;
}

/** Branch id of the record, 0 when unknown. */
export function branchOf(r: ArchiveResolver, num: number): number {
  if (r.dense) return num >= 0 && num < r.dense.branch.length ? r.dense.branch[num]! : 0;
  return r.branch;
}
