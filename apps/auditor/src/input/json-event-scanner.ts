import { ACTIONS, type BatchBuilder, type Dictionaries } from './event-batch.js';
import { LOG_FIELDS } from './log-fields.js';
import { parseTimestampIn } from './timestamp.js';

/**
 * Fast path of the JSON Lines reader: a flat event object (formats.md "Access logs") is read in
 * place from the block of text, by jumping with `indexOf` from quote to quote, without building a
 * JavaScript object or a string per field (JSON.parse of ten million lines and the objects it
 * builds were the reader's largest cost). Only what can be fully checked here is taken: a line
 * `{"key":value,…}` without whitespace between tokens, string values without escapes (the caller
 * guarantees no backslash in the line), integer or null values, no nested value, no repeated key,
 * and field values that the common reader would accept. Anything else returns false and the line
 * goes through JSON.parse and the common reader, which also explains a bad line; so both paths
 * give the same events.
 */

// Positions in LOG_FIELDS.
const K_TS = 0;
const K_OP = 1;
const K_ACTION = 2;
const K_ARCHIVE = 3;
const K_COUNT = 4;
const K_APPROVAL = 5;
const K_IP = 6;
const K_TERMINAL = 7;
const K_RESULT = 8;
const KEYS: readonly string[] = LOG_FIELDS;

/** Value bounds per known key; start -1: absent. Kind: 1 string, 2 integer, 3 null. */
const vStart = new Int32Array(KEYS.length);
const vEnd = new Int32Array(KEYS.length);
const vKind = new Uint8Array(KEYS.length);

/** Key found at each position of the previous line: lines of one log share their key order. */
const keyAt = new Int8Array(32).fill(-1);

function keyIndex(s: string, from: number, to: number, position: number): number {
  const len = to - from;
  const guess = position < 32 ? keyAt[position]! : -1;
  if (guess >= 0) {
    const key = KEYS[guess]!;
    if (key.length === len && s.startsWith(key, from)) return guess;
  }
  for (let k = 0; k < KEYS.length; k++) {
    const key = KEYS[k]!;
    if (key.length === len && s.startsWith(key, from)) return k;
  }
  return -1;
}

function actionAt(s: string, from: number, to: number): number {
  const len = to - from;
  for (let k = 0; k < ACTIONS.length; k++) {
    const a = ACTIONS[k]!;
    if (a.length === len && s.startsWith(a, from)) return k;
  }
  return -1;
}

/** A string value that the common reader would take as is (not empty, no surrounding blanks). */
function plain(s: string, k: number): boolean {
  const a = vStart[k]!;
  const b = vEnd[k]!;
  return b > a && s.charCodeAt(a) > 32 && s.charCodeAt(b - 1) > 32;
}

/**
 * Timestamps of one log share their date and offset: `YYYY-MM-DDT` and the zone of the previous
 * line are compared in place, and only the time of day is read; any other shape is read in full.
 */
let tsDate = '';
let tsZone = '';
let tsBase = 0;

function digit2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

function timestampAt(s: string, a: number, b: number): number {
  // YYYY-MM-DDTHH:MM:SS.fff±HH:MM (29 characters), the shape archive systems write.
  if (
    b - a === 29 &&
    tsDate.length === 11 &&
    s.charCodeAt(a + 13) === 58 &&
    s.charCodeAt(a + 16) === 58 &&
    s.charCodeAt(a + 19) === 46 &&
    s.startsWith(tsDate, a) &&
    s.startsWith(tsZone, a + 23)
  ) {
    const h = digit2(s, a + 11);
    const m = digit2(s, a + 14);
    const sec = digit2(s, a + 17);
    const ms1 = digit2(s, a + 20);
    const ms2 = s.charCodeAt(a + 22) - 48;
    if (h >= 0 && h <= 23 && m >= 0 && m <= 59 && sec >= 0 && sec <= 59 && ms1 >= 0 && ms2 >= 0 && ms2 <= 9)
      return tsBase + ((h * 60 + m) * 60 + sec) * 1000 + ms1 * 10 + ms2;
  }
  const t = parseTimestampIn(s, a, b);
  if (!Number.isNaN(t) && b - a === 29 && s.charCodeAt(a + 19) === 46) {
    tsDate = s.slice(a, a + 11);
    tsZone = s.slice(a + 23, b);
    const h = digit2(s, a + 11);
    const m = digit2(s, a + 14);
    const sec = digit2(s, a + 17);
    const ms = digit2(s, a + 20) * 10 + (s.charCodeAt(a + 22) - 48);
    tsBase = t - (((h * 60 + m) * 60 + sec) * 1000 + ms);
  }
  return t;
}

/** Archive prefix cache: the last prefix text and digit count seen, and their dictionary id. */
let lastPrefix = '';
let lastWidth = -1;
let lastPrefixId = -1;
let lastDicts: unknown = null;

/**
 * Appends the event of `s[start, end)` to the builder and returns true, or returns false (nothing
 * appended) when the line needs the common reader.
 */
export function scanJsonEvent(
  builder: BatchBuilder,
  s: string,
  start: number,
  end: number,
  src: number,
  line: number,
): boolean {
  if (s.charCodeAt(start) !== 123 || s.charCodeAt(end - 1) !== 125) return false;
  vStart.fill(-1);
  let p = start + 1;
  let position = 0;
  const last = end - 1;
  for (;;) {
    if (s.charCodeAt(p) !== 34) return false;
    const ke = s.indexOf('"', p + 1);
    if (ke < 0 || ke >= last || s.charCodeAt(ke + 1) !== 58) return false;
    const k = keyIndex(s, p + 1, ke, position);
    if (position < 32) keyAt[position] = k;
    position++;
    if (k >= 0 && vStart[k] !== -1) return false;
    let v = ke + 2;
    const c = s.charCodeAt(v);
    if (c === 34) {
      const ve = s.indexOf('"', v + 1);
      if (ve < 0 || ve >= last) return false;
      if (k >= 0) {
        vStart[k] = v + 1;
        vEnd[k] = ve;
        vKind[k] = 1;
      }
      p = ve + 1;
    } else if (c >= 48 && c <= 57) {
      // A leading zero followed by digits is not JSON: JSON.parse says so.
      if (c === 48 && s.charCodeAt(v + 1) >= 48 && s.charCodeAt(v + 1) <= 57) return false;
      let e = v + 1;
      for (;;) {
        const d = s.charCodeAt(e);
        if (d < 48 || d > 57) break;
        e++;
      }
      const d = s.charCodeAt(e);
      // Fractions and exponents are left to JSON.parse (and refused as counts there).
      if (d === 46 || d === 101 || d === 69) return false;
      if (k >= 0) {
        vStart[k] = v;
        vEnd[k] = e;
        vKind[k] = 2;
      }
      p = e;
    } else if (c === 110 && s.startsWith('null', v)) {
      if (k >= 0) {
        vStart[k] = v;
        vEnd[k] = v;
        vKind[k] = 3;
      }
      p = v + 4;
    } else if (k < 0 && ((c === 116 && s.startsWith('true', v)) || (c === 102 && s.startsWith('false', v)))) {
      p = v + (c === 116 ? 4 : 5);
    } else return false;
    v = s.charCodeAt(p);
    if (v === 44) {
      p++;
      continue;
    }
    if (v === 125 && p === last) break;
    return false;
  }

  // Required fields, as the common reader judges them; a failure goes back to it for the reason.
  if (vKind[K_TS] !== 1 || vStart[K_TS] === -1) return false;
  const ts = timestampAt(s, vStart[K_TS]!, vEnd[K_TS]!);
  if (Number.isNaN(ts)) return false;
  if (vStart[K_OP] === -1 || vKind[K_OP] !== 1 || !plain(s, K_OP)) return false;
  if (vStart[K_ACTION] === -1 || vKind[K_ACTION] !== 1) return false;
  const action = actionAt(s, vStart[K_ACTION]!, vEnd[K_ACTION]!);
  if (action < 0) return false;

  let count = 1;
  if (vStart[K_COUNT] !== -1 && vKind[K_COUNT] !== 3) {
    if (vKind[K_COUNT] !== 2) return false;
    const a = vStart[K_COUNT]!;
    const b = vEnd[K_COUNT]!;
    if (b - a > 9) return false;
    count = 0;
    for (let i = a; i < b; i++) count = count * 10 + (s.charCodeAt(i) - 48);
  }

  const d = builder.dicts;
  let prefix = -1;
  let num = -1;
  if (vStart[K_ARCHIVE] !== -1 && vKind[K_ARCHIVE] !== 3) {
    if (vKind[K_ARCHIVE] !== 1) return false;
    const a = vStart[K_ARCHIVE]!;
    const b = vEnd[K_ARCHIVE]!;
    if (b > a) {
      if (!plain(s, K_ARCHIVE)) return false;
      let i = b;
      while (i > a) {
        const ch = s.charCodeAt(i - 1);
        if (ch < 48 || ch > 57) break;
        i--;
      }
      const width = b - i;
      if (width === 0 || width > 15) return false;
      if (
        lastDicts === d &&
        width === lastWidth &&
        i - a === lastPrefix.length &&
        s.startsWith(lastPrefix, a)
      ) {
        prefix = lastPrefixId;
      } else {
        lastPrefix = s.slice(a, i);
        lastWidth = width;
        lastDicts = d;
        lastPrefixId = d.archivePrefixes.id(`${lastPrefix}|${width}`);
        prefix = lastPrefixId;
      }
      num = 0;
      for (let j = i; j < b; j++) num = num * 10 + (s.charCodeAt(j) - 48);
    }
  }

  let approval = -1;
  if (vStart[K_APPROVAL] !== -1 && vKind[K_APPROVAL] !== 3) {
    if (vKind[K_APPROVAL] !== 1) return false;
    if (vEnd[K_APPROVAL]! > vStart[K_APPROVAL]!) {
      if (!plain(s, K_APPROVAL)) return false;
      approval = d.approvals.id(s.slice(vStart[K_APPROVAL], vEnd[K_APPROVAL]));
    }
  }
  if (vStart[K_IP] !== -1 && vKind[K_IP] !== 3) {
    if (vKind[K_IP] !== 1) return false;
    if (vEnd[K_IP]! > vStart[K_IP]! && !plain(s, K_IP)) return false;
  }
  if (vStart[K_TERMINAL] !== -1 && vKind[K_TERMINAL] !== 3) {
    if (vKind[K_TERMINAL] !== 1) return false;
    if (vEnd[K_TERMINAL]! > vStart[K_TERMINAL]! && !plain(s, K_TERMINAL)) return false;
  }
  let ok = 1;
  if (vStart[K_RESULT] !== -1 && vKind[K_RESULT] !== 3) {
    if (vKind[K_RESULT] !== 1) return false;
    const a = vStart[K_RESULT]!;
    const len = vEnd[K_RESULT]! - a;
    if (len === 0 || (len === 2 && (s.startsWith('ok', a) || s.startsWith('OK', a)))) ok = 1;
    else if (len === 7 && s.startsWith('success', a)) ok = 1;
    else ok = 0;
  }
  const cache = cacheFor(d);
  const op = cache.op(s, vStart[K_OP]!, vEnd[K_OP]!);
  const place =
    vStart[K_IP] !== -1 && vKind[K_IP] === 1 && vEnd[K_IP]! > vStart[K_IP]!
      ? cache.place(op, s, vStart[K_IP]!, vEnd[K_IP]!)
      : -1;
  const terminal =
    vStart[K_TERMINAL] !== -1 && vKind[K_TERMINAL] === 1 && vEnd[K_TERMINAL]! > vStart[K_TERMINAL]!
      ? cache.terminal(op, s, vStart[K_TERMINAL]!, vEnd[K_TERMINAL]!)
      : -1;
  builder.push(ts, op, action, prefix, num, count, approval, place, terminal, ok, src, line);
  return true;
}

const OP_SLOTS = 1 << 12;

/**
 * Dictionary look-ups without building the string: an operator id is found through a small
 * table indexed by a hash of its characters and confirmed by comparing them in place; an
 * operator's address and terminal are usually the ones of its previous event. A miss falls back
 * to the dictionary itself, so the ids are the dictionary's either way.
 */
class LookupCache {
  private readonly opSlot = new Int32Array(OP_SLOTS).fill(-1);
  private readonly opText: string[] = [];
  private readonly placeOf: (string | undefined)[] = [];
  private readonly placeIdOf: number[] = [];
  private readonly terminalOf: (string | undefined)[] = [];
  private readonly terminalIdOf: number[] = [];

  constructor(private readonly d: Dictionaries) {}

  op(s: string, a: number, b: number): number {
    let h = b - a;
    for (let i = a; i < b; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
    const slot = h & (OP_SLOTS - 1);
    const id = this.opSlot[slot]!;
    if (id >= 0) {
      const t = this.opText[id]!;
      if (t.length === b - a && s.startsWith(t, a)) return id;
    }
    const text = s.slice(a, b);
    const found = this.d.ops.id(text);
    this.opSlot[slot] = found;
    this.opText[found] = text;
    return found;
  }

  place(op: number, s: string, a: number, b: number): number {
    const t = this.placeOf[op];
    if (t !== undefined && t.length === b - a && s.startsWith(t, a)) return this.placeIdOf[op]!;
    const text = s.slice(a, b);
    const id = this.d.places.id(text);
    this.placeOf[op] = text;
    this.placeIdOf[op] = id;
    return id;
  }

  terminal(op: number, s: string, a: number, b: number): number {
    const t = this.terminalOf[op];
    if (t !== undefined && t.length === b - a && s.startsWith(t, a)) return this.terminalIdOf[op]!;
    const text = s.slice(a, b);
    const id = this.d.terminals.id(text);
    this.terminalOf[op] = text;
    this.terminalIdOf[op] = id;
    return id;
  }
}

const caches = new WeakMap<Dictionaries, LookupCache>();
let lastCache: { d: Dictionaries; c: LookupCache } | undefined;

function cacheFor(d: Dictionaries): LookupCache {
  if (lastCache?.d === d) return lastCache.c;
  let c = caches.get(d);
  if (!c) {
    c = new LookupCache(d);
    caches.set(d, c);
  }
  lastCache = { d, c };
  return c;
}
