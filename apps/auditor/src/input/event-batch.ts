/**
 * Access events in columnar batches: typed arrays plus small string dictionaries, so that ten
 * million events cross from the parser thread to the detection thread without copying (the
 * buffers are transferred) and detection works on integers, not strings.
 */
export const ACTIONS = [
  'login',
  'login_failed',
  'logout',
  'view',
  'query',
  'export',
  'print',
  'update',
  'delete',
  'borrow',
  'return',
] as const;
export type Action = (typeof ACTIONS)[number];

export const A = {
  login: 0,
  login_failed: 1,
  logout: 2,
  view: 3,
  query: 4,
  export: 5,
  print: 6,
  update: 7,
  delete: 8,
  borrow: 9,
  return: 10,
} as const satisfies Record<Action, number>;

const ACTION_CODE = new Map<string, number>(ACTIONS.map((a, i) => [a, i]));

export function actionCode(name: string): number | undefined {
  return ACTION_CODE.get(name) ?? ACTION_CODE.get(name.trim().toLowerCase());
}

/** Actions that touch customer records (the ones compared with the approval ledger). */
export function isRecordAction(action: number): boolean {
  return action >= A.view && action <= A.borrow;
}

/** New dictionary entries since the previous batch; ids continue from the previous ones. */
export interface DictDelta {
  ops: string[];
  /** `prefix|width` for numeric archive numbers, `=whole` for the others. */
  archivePrefixes: string[];
  approvals: string[];
  places: string[];
  terminals: string[];
  sources: string[];
}

export interface EventBatch {
  n: number;
  ts: Float64Array;
  op: Int32Array;
  action: Uint8Array;
  /** Archive prefix id, -1 without an archive number. */
  arcPrefix: Int32Array;
  /** Numeric part of the archive number (-1 for archive numbers that are not prefix + digits). */
  arcNum: Float64Array;
  count: Int32Array;
  approval: Int32Array;
  /** Client IP (the "place"), -1 when absent. */
  place: Int32Array;
  terminal: Int32Array;
  /** 1 for result ok (or absent), 0 for denied. */
  ok: Uint8Array;
  src: Int32Array;
  line: Int32Array;
  dict: DictDelta;
}

export class Interner {
  private readonly ids = new Map<string, number>();
  private pending: string[] = [];
  private size = 0;

  id(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.size++;
      this.ids.set(s, id);
      this.pending.push(s);
    }
    return id;
  }

  takePending(): string[] {
    const p = this.pending;
    this.pending = [];
    return p;
  }
}

export class Dictionaries {
  readonly ops = new Interner();
  readonly archivePrefixes = new Interner();
  readonly approvals = new Interner();
  readonly places = new Interner();
  readonly terminals = new Interner();
  readonly sources = new Interner();

  takeDelta(): DictDelta {
    return {
      ops: this.ops.takePending(),
      archivePrefixes: this.archivePrefixes.takePending(),
      approvals: this.approvals.takePending(),
      places: this.places.takePending(),
      terminals: this.terminals.takePending(),
      sources: this.sources.takePending(),
    };
  }
}

/** Mirror of the parser's dictionaries on the detection side, grown by each batch's delta. */
export class DictionaryMirror {
  readonly ops: string[] = [];
  readonly archivePrefixes: string[] = [];
  readonly approvals: string[] = [];
  readonly places: string[] = [];
  readonly terminals: string[] = [];
  readonly sources: string[] = [];

  apply(d: DictDelta): void {
    for (const k of ['ops', 'archivePrefixes', 'approvals', 'places', 'terminals', 'sources'] as const) {
      const list = this[k];
      for (const s of d[k]) list.push(s);
    }
  }
}

/** Splits an archive number into a dictionary key and a number: `KH000123` → `KH|6`, 123. */
export function splitArchiveNo(archive: string): { key: string; num: number } {
  let i = archive.length;
  while (i > 0) {
    const c = archive.charCodeAt(i - 1);
    if (c < 48 || c > 57) break;
    i--;
  }
  const digits = archive.length - i;
  if (digits === 0 || digits > 15) return { key: `=${archive}`, num: -1 };
  return { key: `${archive.slice(0, i)}|${digits}`, num: Number(archive.slice(i)) };
}

/** The archive number again, from its dictionary key and number. */
export function joinArchiveNo(key: string, num: number): string {
  if (key.charCodeAt(0) === 61) return key.slice(1);
  const bar = key.lastIndexOf('|');
  const width = Number(key.slice(bar + 1));
  return key.slice(0, bar) + String(num).padStart(width, '0');
}

export const BATCH_SIZE = 16_384;

/** Fills a batch one event at a time; `take()` hands the full batch over and starts a new one. */
export class BatchBuilder {
  n = 0;
  private b: EventBatch;

  constructor(
    readonly dicts: Dictionaries,
    private readonly capacity = BATCH_SIZE,
  ) {
    this.b = this.fresh();
  }

  private fresh(): EventBatch {
    const c = this.capacity;
    return {
      n: 0,
      ts: new Float64Array(c),
      op: new Int32Array(c),
      action: new Uint8Array(c),
      arcPrefix: new Int32Array(c),
      arcNum: new Float64Array(c),
      count: new Int32Array(c),
      approval: new Int32Array(c),
      place: new Int32Array(c),
      terminal: new Int32Array(c),
      ok: new Uint8Array(c),
      src: new Int32Array(c),
      line: new Int32Array(c),
      dict: { ops: [], archivePrefixes: [], approvals: [], places: [], terminals: [], sources: [] },
    };
  }

  get full(): boolean {
    return this.n >= this.capacity;
  }

  /** Appends one event already reduced to ids. */
  push(
    ts: number,
    op: number,
    action: number,
    arcPrefix: number,
    arcNum: number,
    count: number,
    approval: number,
    place: number,
    terminal: number,
    ok: number,
    src: number,
    line: number,
  ): void {
    const b = this.b;
    const i = this.n++;
    b.ts[i] = ts;
    b.op[i] = op;
    b.action[i] = action;
    b.arcPrefix[i] = arcPrefix;
    b.arcNum[i] = arcNum;
    b.count[i] = count;
    b.approval[i] = approval;
    b.place[i] = place;
    b.terminal[i] = terminal;
    b.ok[i] = ok;
    b.src[i] = src;
    b.line[i] = line;
  }

  /** Copies event `i` of another batch (same dictionaries). */
  copyFrom(o: EventBatch, i: number): void {
    this.push(
      o.ts[i]!,
      o.op[i]!,
      o.action[i]!,
      o.arcPrefix[i]!,
      o.arcNum[i]!,
      o.count[i]!,
      o.approval[i]!,
      o.place[i]!,
      o.terminal[i]!,
      o.ok[i]!,
      o.src[i]!,
      o.line[i]!,
    );
  }

  /**
   * The batch so far (possibly empty). With `withDelta`, it carries the dictionary entries added
   * since the last take; a per-file builder whose batches are merged leaves that to the merge.
   */
  take(withDelta = true): EventBatch {
    const b = this.b;
    b.n = this.n;
    if (withDelta) b.dict = this.dicts.takeDelta();
    this.b = this.fresh();
    this.n = 0;
    return b;
  }
}

/** The buffers of a batch, for a zero-copy postMessage. */
export function batchTransferList(b: EventBatch): ArrayBuffer[] {
  return [
    b.ts,
    b.op,
    b.action,
    b.arcPrefix,
    b.arcNum,
    b.count,
    b.approval,
    b.place,
    b.terminal,
    b.ok,
    b.src,
    b.line,
  ].map((a) => a.buffer as ArrayBuffer);
}
