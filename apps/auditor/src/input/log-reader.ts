import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CustodianError } from '@custodian/core';
import { detectEncoding } from './detect-encoding.js';
import {
  actionCode,
  BatchBuilder,
  type Dictionaries,
  type EventBatch,
  splitArchiveNo,
} from './event-batch.js';
import { scanJsonEvent } from './json-event-scanner.js';
import { LOG_FIELDS, type LogField } from './log-fields.js';
import { parseTimestamp } from './timestamp.js';

/**
 * Streams one access log (formats.md "Access logs": JSON Lines or CSV with the same fields,
 * optionally gzip-compressed, any size) into columnar batches, in constant memory. The format is
 * sniffed from the content (a line starting with `{` is JSON Lines), gzip from its magic bytes, a
 * CSV's encoding as for every Chinese export. A bad line never stops the file: it is counted and
 * the first few are kept with their line number and reason.
 */
export interface BadLine {
  file: string;
  line: number;
  reason: string;
}

export interface LogFileStats {
  file: string;
  format: 'jsonl' | 'csv';
  gzip: boolean;
  lines: number;
  events: number;
  bad: number;
  badSample: BadLine[];
}

/** Canonical field → accepted CSV headers (canonical names first; the Chinese ones business systems print). */
const CSV_HEADERS: Record<LogField, string[]> = {
  ts: ['ts', 'timestamp', 'time', '操作时间', '时间'],
  operator_id: ['operator_id', 'operator', '操作员', '操作员编号', '工号'],
  action: ['action', '操作', '操作类型'],
  archive_no: ['archive_no', '档案编号', '客户编号'],
  record_count: ['record_count', '记录数'],
  approval_id: ['approval_id', '审批编号', '审批单号'],
  client_ip: ['client_ip', 'ip', '客户端ip', '客户端IP', 'IP地址'],
  terminal_id: ['terminal_id', 'terminal', '终端', '终端编号'],
  result: ['result', '结果'],
};
const FIELDS = LOG_FIELDS;

const BAD_SAMPLE = 20;

/** Characters that keep a line off the fast path: escapes, and raw control characters JSON refuses (a CR only before LF). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what is looked for.
const UNSAFE = /[\\\x00-\x09\x0b\x0c\x0e-\x1f]|\r(?!\n)/g;

function firstUnsafe(block: string, from: number): number {
  UNSAFE.lastIndex = from;
  const m = UNSAFE.exec(block);
  return m ? m.index : Number.POSITIVE_INFINITY;
}

export interface RawEvent {
  ts?: unknown;
  operator_id?: unknown;
  action?: unknown;
  archive_no?: unknown;
  record_count?: unknown;
  approval_id?: unknown;
  client_ip?: unknown;
  terminal_id?: unknown;
  result?: unknown;
}

function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const s = typeof v === 'string' ? v : String(v);
  return s === '' ? null : s;
}

/**
 * Reduces one event to ids and appends it; returns the reason when the event is unusable
 * (no instant with a zone, no operator, unknown action, bad count).
 */
export function appendEvent(
  builder: BatchBuilder,
  o: RawEvent,
  src: number,
  line: number,
): string | undefined {
  const d = builder.dicts;
  const tsText = text(o.ts);
  const ts = tsText === null ? Number.NaN : parseTimestamp(tsText);
  if (Number.isNaN(ts))
    return `ts is not an ISO 8601 instant with an offset: ${JSON.stringify(o.ts ?? null)}`;
  const op = text(o.operator_id);
  if (op === null) return 'operator_id missing';
  const actionText = text(o.action);
  const action = actionText === null ? undefined : actionCode(actionText);
  if (action === undefined) return `unknown action ${JSON.stringify(o.action ?? null)}`;
  let count = 1;
  if (o.record_count !== undefined && o.record_count !== null && o.record_count !== '') {
    count = typeof o.record_count === 'number' ? o.record_count : Number(o.record_count);
    if (!Number.isInteger(count) || count < 0)
      return `record_count is not a count: ${JSON.stringify(o.record_count)}`;
  }
  const archive = text(o.archive_no);
  let prefix = -1;
  let num = -1;
  if (archive !== null) {
    const parts = splitArchiveNo(archive.trim());
    prefix = d.archivePrefixes.id(parts.key);
    num = parts.num;
  }
  const approval = text(o.approval_id);
  const place = text(o.client_ip);
  const terminal = text(o.terminal_id);
  const result = text(o.result);
  const ok = result === null || result === 'ok' || result === 'OK' || result === 'success' ? 1 : 0;
  builder.push(
    ts,
    d.ops.id(op.trim()),
    action,
    prefix,
    num,
    count,
    approval === null ? -1 : d.approvals.id(approval.trim()),
    place === null ? -1 : d.places.id(place.trim()),
    terminal === null ? -1 : d.terminals.id(terminal.trim()),
    ok,
    src,
    line,
  );
  return undefined;
}

async function openMaybeGzip(file: string): Promise<{ stream: Readable; gzip: boolean }> {
  const fh = await open(file, 'r');
  const magic = Buffer.alloc(2);
  try {
    await fh.read(magic, 0, 2, 0);
  } finally {
    await fh.close();
  }
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  if (magic[0] === 0x1f && magic[1] === 0x8b) {
    return { stream: raw.pipe(createGunzip({ chunkSize: 1 << 20 })), gzip: true };
  }
  return { stream: raw, gzip: false };
}

/** Splits a CSV line; quotes are honoured (a log field rarely has any, so the fast path is a plain split). */
export function splitCsvLine(line: string): string[] {
  if (line.indexOf('"') === -1) return line.split(',');
  const out: string[] = [];
  let i = 0;
  let field = '';
  let quoted = false;
  while (i < line.length) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
    i++;
  }
  out.push(field);
  return out;
}

function csvColumns(header: string[]): (string | undefined)[] {
  const lookup = new Map<string, string>();
  for (const f of FIELDS) for (const h of CSV_HEADERS[f]!) lookup.set(h.toLowerCase(), f);
  return header.map((h) =>
    lookup.get(
      h
        .trim()
        .replace(/^\uFEFF/, '')
        .toLowerCase(),
    ),
  );
}

/** Physical lines one CSV row may span through quoted line breaks before its opening quote is taken for a stray one. */
const MAX_ROW_LINES = 32;

function quoteCount(s: string): number {
  let n = 0;
  for (let i = s.indexOf('"'); i !== -1; i = s.indexOf('"', i + 1)) n++;
  return n;
}

/** A log file that cannot be audited as a whole (no CSV header, a damaged gzip stream, a read error). */
function unreadable(file: string, err: unknown): CustodianError {
  if (err instanceof CustodianError) return err;
  const message = (err as Error)?.message ?? String(err);
  return new CustodianError(
    'LOG_UNREADABLE',
    `${file}: ${message} (an audit needs the whole file: replace it or leave it out)`,
    { file },
    { cause: err },
  );
}

/**
 * JSON Lines or CSV, from the first lines of the decoded text: JSON Lines when the first non-blank
 * line is an object, or when it is not a log CSV header and a later line is an object (a broken
 * first line must not turn a JSON Lines file into a CSV without a header).
 */
export function sniffFormat(head: string): 'jsonl' | 'csv' {
  const lines = head
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (lines.length === 0) return 'csv';
  if (lines[0]!.startsWith('{')) return 'jsonl';
  const cols = csvColumns(splitCsvLine(lines[0]!));
  if (cols.includes('ts') && cols.includes('operator_id') && cols.includes('action')) return 'csv';
  return lines.slice(1).some((l) => l.startsWith('{')) ? 'jsonl' : 'csv';
}

/**
 * Yields the events of one file in batches (without dictionary deltas: the caller's merge attaches
 * them). `stats` is filled as the file is read. A bad line is counted and sampled with its number;
 * a file that cannot be read as a whole throws `LOG_UNREADABLE` naming it.
 */
export async function* readLogFile(
  file: string,
  src: number,
  dicts: Dictionaries,
  stats: LogFileStats,
  batchSize?: number,
): AsyncGenerator<EventBatch> {
  try {
    yield* readLogFileUnchecked(file, src, dicts, stats, batchSize);
  } catch (err) {
    throw unreadable(file, err);
  }
}

async function* readLogFileUnchecked(
  file: string,
  src: number,
  dicts: Dictionaries,
  stats: LogFileStats,
  batchSize?: number,
): AsyncGenerator<EventBatch> {
  const builder = new BatchBuilder(dicts, batchSize);
  const { stream, gzip } = await openMaybeGzip(file);
  stats.gzip = gzip;
  let decoder: InstanceType<typeof TextDecoder> | undefined;
  let rest = '';
  let lineNo = 0;
  let columns: (string | undefined)[] | undefined;
  let format: 'jsonl' | 'csv' | undefined;
  const bad = (line: number, reason: string) => {
    stats.bad++;
    if (stats.badSample.length < BAD_SAMPLE) stats.badSample.push({ file, line, reason });
  };
  // CSV: a row whose quotes do not pair up on its line continues on the next (a quoted line break,
  // RFC 4180). If the quote never closes within MAX_ROW_LINES, or the joined lines are not one
  // row of the header's width, the opening line alone is bad and the lines after it are read
  // again on their own (`replay`): one stray quote never swallows the events after it.
  let pending: { no: number; lines: string[]; quotes: number } | undefined;
  const replay: { line: string; no: number }[] = [];
  /** One CSV row; false when a joined row is not of the header's width (the caller then gives up the join). */
  const csvRow = (row: string, no: number, joined: boolean): boolean => {
    const cells = splitCsvLine(row);
    if (!columns) {
      columns = csvColumns(cells);
      if (!columns.includes('ts') || !columns.includes('operator_id') || !columns.includes('action'))
        throw new CustodianError(
          'LOG_UNREADABLE',
          `${file}: not JSON Lines, and the first line is not a CSV header with ts, operator_id and action: ${row.slice(0, 200)}`,
          { file },
        );
      return true;
    }
    if (cells.length !== columns.length) {
      if (joined) return false;
      bad(no, `${cells.length} fields where the header has ${columns.length}`);
      return true;
    }
    const o: Record<string, string> = {};
    for (let c = 0; c < cells.length; c++) {
      const f = columns[c];
      if (f) o[f] = cells[c]!.trim();
    }
    const reason = appendEvent(builder, o, src, no);
    if (reason) bad(no, reason);
    else stats.events++;
    return true;
  };
  const giveUpJoin = () => {
    const p = pending!;
    pending = undefined;
    bad(p.no, `a quote opened on this line does not close into one row of ${columns?.length ?? 0} fields`);
    replay.unshift(...p.lines.slice(1).map((line, k) => ({ line, no: p.no + 1 + k })));
  };
  const handleCsv = (raw: string, no: number) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (pending) {
      pending.lines.push(line);
      pending.quotes += quoteCount(line);
      if (pending.quotes % 2 === 0) {
        const p = pending;
        pending = undefined;
        if (!csvRow(p.lines.join('\n'), p.no, true)) {
          pending = p;
          giveUpJoin();
        }
      } else if (pending.lines.length >= MAX_ROW_LINES) giveUpJoin();
      return;
    }
    if (line.trim() === '') return;
    const quotes = line.indexOf('"') === -1 ? 0 : quoteCount(line);
    if (quotes % 2 === 1) pending = { no, lines: [line], quotes };
    else csvRow(line, no, false);
  };
  /** Lines given back by a join that failed: each pushes at most one event, so the batch is checked after each. */
  function* replayCsv(): Generator<EventBatch> {
    while (replay.length > 0) {
      const r = replay.shift()!;
      handleCsv(r.line, r.no);
      if (builder.full) yield builder.take(false);
    }
  }
  const handleJson = (line: string, no: number) => {
    if (line.trim() === '') return;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch {
      bad(no, 'not valid JSON');
      return;
    }
    if (!o || typeof o !== 'object' || Array.isArray(o)) {
      bad(no, 'not a JSON object');
      return;
    }
    const reason = appendEvent(builder, o as RawEvent, src, no);
    if (reason) bad(no, reason);
    else stats.events++;
  };
  // JSON Lines are read in place from each decoded chunk (a flat string: reading characters of a
  // string sliced from a concatenation costs about half as much again); a line cut by the chunk
  // boundary is completed from the next chunk on its own. A line with a backslash or a control
  // character, or any shape json-event-scanner does not take, goes through JSON.parse.
  function* jsonLines(text: string, from: number, to: number): Generator<EventBatch> {
    let nextUnsafe = firstUnsafe(text, from);
    let start = from;
    for (;;) {
      const nl = text.indexOf('\n', start);
      const stop = nl === -1 || nl > to ? to : nl;
      lineNo++;
      if (nextUnsafe < start) nextUnsafe = firstUnsafe(text, start);
      const end = stop > start && text.charCodeAt(stop - 1) === 13 ? stop - 1 : stop;
      if (end > start && nextUnsafe >= stop && scanJsonEvent(builder, text, start, end, src, lineNo))
        stats.events++;
      else handleJson(text.slice(start, stop), lineNo);
      if (builder.full) yield builder.take(false);
      if (stop >= to) break;
      start = stop + 1;
    }
    stats.lines = lineNo;
  }
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let text: string;
    if (!decoder) {
      const enc = detectEncoding(chunk.subarray(0, 65536));
      decoder = new TextDecoder(enc.encoding);
      text = decoder.decode(chunk.subarray(enc.bomLength), { stream: true });
      format = sniffFormat(text.slice(0, 16384));
      stats.format = format;
    } else {
      text = decoder.decode(chunk, { stream: true });
    }
    if (format === 'jsonl') {
      const first = text.indexOf('\n');
      if (first === -1) {
        rest += text;
        continue;
      }
      const carried = rest + text.slice(0, first);
      rest = '';
      yield* jsonLines(carried, 0, carried.length);
      const last = text.lastIndexOf('\n');
      if (last > first) yield* jsonLines(text, first + 1, last);
      rest = text.slice(last + 1);
      continue;
    }
    rest += text;
    const last = rest.lastIndexOf('\n');
    if (last === -1) continue;
    const block = rest.slice(0, last);
    rest = rest.slice(last + 1);
    let start = 0;
    for (;;) {
      const nl = block.indexOf('\n', start);
      const line = nl === -1 ? block.slice(start) : block.slice(start, nl);
      lineNo++;
      handleCsv(line, lineNo);
      if (builder.full) yield builder.take(false);
      if (replay.length > 0) yield* replayCsv();
      if (nl === -1) break;
      start = nl + 1;
    }
    stats.lines = lineNo;
  }
  if (decoder) rest += decoder.decode();
  if (rest.trim() !== '') {
    lineNo++;
    if (format === 'jsonl') handleJson(rest, lineNo);
    else handleCsv(rest, lineNo);
    if (builder.full) yield builder.take(false);
  }
  // A quote still open at the end of the file: its line is bad, the lines it held are read on their own.
  while (pending || replay.length > 0) {
    if (replay.length === 0) giveUpJoin();
    yield* replayCsv();
  }
  stats.lines = lineNo;
  if (builder.n > 0) yield builder.take(false);
}

export function emptyStats(file: string): LogFileStats {
  return { file, format: 'jsonl', gzip: false, lines: 0, events: 0, bad: 0, badSample: [] };
}
