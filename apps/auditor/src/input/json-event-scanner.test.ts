import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BatchBuilder, Dictionaries, type EventBatch } from './event-batch.js';
import { scanJsonEvent } from './json-event-scanner.js';
import { appendEvent, emptyStats, type RawEvent, readLogFile } from './log-reader.js';

/** The event a batch holds, with its dictionary ids turned back into text. */
function row(b: EventBatch, d: Dictionaries, i: number) {
  const text = (list: string[], id: number) => (id < 0 ? null : list[id]);
  const delta = d.takeDelta();
  return {
    ts: b.ts[i],
    op: text(delta.ops, b.op[i]!),
    action: b.action[i],
    prefix: text(delta.archivePrefixes, b.arcPrefix[i]!),
    num: b.arcNum[i],
    count: b.count[i],
    approval: text(delta.approvals, b.approval[i]!),
    place: text(delta.places, b.place[i]!),
    terminal: text(delta.terminals, b.terminal[i]!),
    ok: b.ok[i],
  };
}

/** The line through the scanner (`undefined` when it declines) and through JSON.parse + appendEvent. */
function both(line: string) {
  const fd = new Dictionaries();
  const fast = new BatchBuilder(fd);
  const taken = scanJsonEvent(fast, `  ${line}  `, 2, 2 + line.length, 0, 1);
  const sd = new Dictionaries();
  const slow = new BatchBuilder(sd);
  const reason = appendEvent(slow, JSON.parse(line) as RawEvent, 0, 1);
  return {
    fast: taken ? row(fast.take(false), fd, 0) : undefined,
    slow: reason ? reason : row(slow.take(false), sd, 0),
  };
}

describe('JSON event scanner', () => {
  it('reads the common line exactly as JSON.parse and the common reader do', () => {
    for (const line of [
      '{"ts":"2026-11-16T08:44:49.000+08:00","operator_id":"OP00535","action":"export","archive_no":"KH000789606","record_count":38,"approval_id":"AP-E-OP00535","client_ip":"10.7.2.22","terminal_id":"T00535","result":"ok"}',
      '{"result":"denied","action":"login_failed","operator_id":"张三","ts":"2026-11-16T00:44:49Z","x":"y"}',
      '{"ts":"2026-11-16T08:44:49+0800","operator_id":"A","action":"view","archive_no":"X-17","approval_id":null,"client_ip":"","note":true,"result":"success"}',
      '{"ts":"2026-11-16T08:44:49+08:00","operator_id":"A","action":"query","record_count":0,"archive_no":"999","result":"OK"}',
    ]) {
      const r = both(line);
      expect(r.fast, line).toBeDefined();
      expect(r.fast).toEqual(r.slow);
    }
  });

  it('declines what it cannot check, leaving the reason to the common reader', () => {
    for (const line of [
      '{"ts":"2026-11-16 08:44:49","operator_id":"A","action":"view"}', // no zone
      '{"ts":"2026-02-31T08:44:49+08:00","operator_id":"A","action":"view"}', // no such day
      '{"ts":"2026-11-16T08:44:49+08:00","operator_id":"A","action":"peek"}',
      '{"ts":"2026-11-16T08:44:49+08:00","operator_id":"A","action":"VIEW"}', // accepted, by the common reader
      '{"ts":"2026-11-16T08:44:49+08:00","operator_id":" A ","action":"view"}',
      '{"ts":"2026-11-16T08:44:49+08:00","operator_id":"A","action":"view","record_count":"5"}',
      '{"ts":"2026-11-16T08:44:49+08:00","operator_id":"A","action":"view","record_count":2.5}',
      '{"ts":"2026-11-16T08:44:49+08:00","operator_id":"A","action":"view","ts":"2026-11-17T08:44:49+08:00"}',
      '{ "ts":"2026-11-16T08:44:49+08:00","operator_id":"A","action":"view"}',
      '{"ts":"2026-11-16T08:44:49+08:00","operator_id":"A","action":"view","archive_no":"KH"}',
      '{"ts":"2026-11-16T08:44:49+08:00","operator_id":"A","action":"view","extra":{"x":1}}',
      '{"ts":"2026-11-16T08:44:49+08:00","operator_id":"A","action":"view","n":-3}',
    ]) {
      expect(both(line).fast, line).toBeUndefined();
    }
  });

  it('reads a file across chunk boundaries with CRLF, escapes, blank and bad lines, as JSON.parse would', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'auditor-scan-'));
    try {
      const lines: string[] = [];
      for (let k = 0; k < 30_000; k++) {
        const sec = String(k % 60).padStart(2, '0');
        const base = `"ts":"2026-11-16T10:${String(Math.floor(k / 60) % 60).padStart(2, '0')}:${sec}.${String(k % 1000).padStart(3, '0')}+08:00","operator_id":"OP${k % 7}","action":"view","archive_no":"KH${String(k).padStart(9, '0')}","client_ip":"10.0.0.${k % 3}"`;
        if (k % 1000 === 1) lines.push(`{${base},"terminal_id":"T\\u0031"}`);
        else if (k % 1000 === 2) lines.push('');
        else if (k % 1000 === 3) lines.push('{"ts":"broken"');
        else lines.push(`{${base}}`);
      }
      const file = join(dir, 'log.jsonl');
      writeFileSync(file, `${lines.join('\r\n')}\r\n`);
      const dicts = new Dictionaries();
      const stats = emptyStats(file);
      const fast: number[] = [];
      const nums: number[] = [];
      for await (const b of readLogFile(file, 0, dicts, stats)) {
        for (let i = 0; i < b.n; i++) {
          fast.push(b.ts[i]!);
          nums.push(b.arcNum[i]!);
        }
      }
      const expected = lines
        .map((l, k) => ({ l, k }))
        .filter(({ l }) => l !== '' && !l.includes('broken'))
        .map(({ l, k }) => ({ ts: Date.parse((JSON.parse(l) as { ts: string }).ts), k }));
      expect(stats.lines).toBe(30_000);
      expect(stats.bad).toBe(30);
      expect(stats.events).toBe(expected.length);
      expect(fast).toEqual(expected.map((e) => e.ts));
      expect(nums).toEqual(expected.map((e) => e.k));
      // The escaped terminal id went through JSON.parse: its text is the decoded one.
      expect(dicts.takeDelta().terminals).toEqual(['T1']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
