/**
 * ENUMERATION (000 "客户管理档案管理制度" §7.3, 004 §7): one operator working through consecutive
 * archive numbers. A scraper's run is interleaved with the operator's (or a script's) ordinary
 * look-ups, so the run is not "consecutive events" but "consecutive numbers among the records
 * the operator opened recently": each access extends the longest run ending at a number at most
 * `maxStep` below it (ascending) or above it (descending), if that number was opened no more than
 * `maxGap` earlier. A pause longer than `maxGap` between two numbers of the run ends it.
 *
 * Per operator, the last `ENUM_CAPACITY` distinct records opened are kept in typed arrays (a
 * ring), found through a direct-mapped table indexed by the archive number's low bits: the
 * numbers of one run fall into distinct cells, so a run never evicts itself, and an unrelated
 * access that takes a run member's cell costs the run that one member, not its length (the next
 * number still links to the one before, within `maxStep`). Nothing is allocated per event (a
 * JavaScript Map here cost more than the rest of detection), and memory is bounded by operators.
 */
export const ENUM_CAPACITY = 128;
const TABLE_BITS = 12;
const TABLE_MASK = (1 << TABLE_BITS) - 1;

function cellOf(prefix: number, num: number): number {
  return (num + prefix * 977) & TABLE_MASK;
}

export interface EnumerationHit {
  /** Length of the run the access ends. */
  run: number;
  /** True when this access is the one that made the run reach `minRun` (its earlier members are evidence too). */
  reached: boolean;
  /** Slot of this access, to walk the run back with `previousInRun`. */
  slot: number;
  ascending: boolean;
}

/** Fields of a ring slot, all in one Float64Array record (one or two cache lines per access). */
const NUM = 0;
const TS = 1;
const PREFIX = 2;
const UP = 3;
const DOWN = 4;
const ACTION = 5;
const PLACE = 6;
const SRC = 7;
const LINE = 8;
const STRIDE = 9;

export interface EnumerationMember {
  ts: number;
  num: number;
  prefix: number;
  action: number;
  place: number;
  src: number;
  line: number;
}

export class EnumerationWindow {
  private written = 0;
  /** Cell → ring slot + 1 (0: empty). */
  private readonly table = new Uint8Array(1 << TABLE_BITS);
  private readonly rec = new Float64Array(ENUM_CAPACITY * STRIDE);

  constructor(
    private readonly maxStep: number,
    private readonly maxGapMs: number,
  ) {}

  /** Slot of a record opened within `maxGap` before `ts`, or -1. */
  private live(prefix: number, num: number, ts: number): number {
    const s = this.table[cellOf(prefix, num)]! - 1;
    if (s < 0) return -1;
    const o = s * STRIDE;
    const r = this.rec;
    if (r[o + NUM] !== num || r[o + PREFIX] !== prefix || ts - r[o + TS]! > this.maxGapMs) return -1;
    return s;
  }

  /**
   * Records one access; returns the run it ends when that run is at least `minRun` long, else
   * undefined. Reopening a record already in the window refreshes its time and extends nothing.
   */
  add(
    prefix: number,
    num: number,
    ts: number,
    minRun: number,
    action: number,
    place: number,
    src: number,
    line: number,
  ): EnumerationHit | undefined {
    const r = this.rec;
    const again = this.live(prefix, num, ts);
    if (again >= 0) {
      r[again * STRIDE + TS] = ts;
      return undefined;
    }
    let up = 1;
    let down = 1;
    for (let s = 1; s <= this.maxStep; s++) {
      if (num - s >= 0) {
        const p = this.live(prefix, num - s, ts);
        if (p >= 0 && r[p * STRIDE + UP]! + 1 > up) up = r[p * STRIDE + UP]! + 1;
      }
      const q = this.live(prefix, num + s, ts);
      if (q >= 0 && r[q * STRIDE + DOWN]! + 1 > down) down = r[q * STRIDE + DOWN]! + 1;
    }
    const slot = this.written % ENUM_CAPACITY;
    const o = slot * STRIDE;
    this.written++;
    // The slot's previous record leaves its cell, unless another record took the cell since.
    if (this.written > ENUM_CAPACITY) {
      const oldCell = cellOf(r[o + PREFIX]!, r[o + NUM]!);
      if (this.table[oldCell] === slot + 1) this.table[oldCell] = 0;
    }
    this.table[cellOf(prefix, num)] = slot + 1;
    r[o + NUM] = num;
    r[o + TS] = ts;
    r[o + PREFIX] = prefix;
    r[o + UP] = up;
    r[o + DOWN] = down;
    r[o + ACTION] = action;
    r[o + PLACE] = place;
    r[o + SRC] = src;
    r[o + LINE] = line;
    const run = Math.max(up, down);
    if (run < minRun) return undefined;
    const ascending = up >= down;
    // A run reaches `minRun` once: then its predecessor was one short.
    return { run, reached: run === minRun, slot, ascending };
  }

  /** The access kept in a slot (for evidence). */
  member(slot: number): EnumerationMember {
    const o = slot * STRIDE;
    const r = this.rec;
    return {
      ts: r[o + TS]!,
      num: r[o + NUM]!,
      prefix: r[o + PREFIX]!,
      action: r[o + ACTION]!,
      place: r[o + PLACE]!,
      src: r[o + SRC]!,
      line: r[o + LINE]!,
    };
  }

  /** The member of the run before `slot` (one shorter, within `maxStep`), or -1. */
  previousInRun(slot: number, ascending: boolean): number {
    const r = this.rec;
    const o = slot * STRIDE;
    const len = r[o + (ascending ? UP : DOWN)]!;
    if (len <= 1) return -1;
    const prefix = r[o + PREFIX]!;
    const num = r[o + NUM]!;
    for (let s = 1; s <= this.maxStep; s++) {
      const n = ascending ? num - s : num + s;
      if (n < 0) continue;
      const p = this.table[cellOf(prefix, n)]! - 1;
      if (p < 0) continue;
      const q = p * STRIDE;
      if (r[q + NUM] !== n || r[q + PREFIX] !== prefix) continue;
      if (r[q + (ascending ? UP : DOWN)] === len - 1) return p;
    }
    return -1;
  }
}
