import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Anomaly, appendAuditTrail, type CustodianContext, verifyAuditTrail } from '@custodian/core';
import { clearTables } from '@custodian/core/testing';
import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { runAudit } from '../run-audit.js';
import {
  ANOMALY_EXPORT_KEYS,
  ev,
  type LogEvent,
  logLines,
  runCli,
  type SuiteEnv,
  withAuditorConfig,
  writeLines,
  writeMasterData,
} from '../testing/fixtures.js';
import { runAnomaliesCommand } from './anomalies.js';

/**
 * `auditor anomalies list|show|export|resolve` driven as the CLI drives them (argv, --json, exit
 * codes, stdout captured) over anomalies raised by real audits. Run from commands.test.ts.
 */

// Personal data that reaches the auditor around the logs and must never come out of it.
const ID_NUMBER = '110101199003071234';
const PHONE = '13800138000';
const STAFF_NAME = '张三明'; // A001 in the staff directory
const CLIENT_IP = '10.8.3.27';
const SECRETS = [ID_NUMBER, PHONE, STAFF_NAME, CLIENT_IP];

const DAY16: LogEvent[] = [
  // The archive system's log carries fields of its own; the customer's ID number and phone among them.
  ev('10:00:00', 'A001', 'export', {
    archive_no: 'KH000000010',
    record_count: 5,
    customer_id_number: ID_NUMBER,
    customer_phone: PHONE,
  }),
  ev('10:05:00', 'A002', 'view', { archive_no: 'KH000000011' }),
  ev('10:25:00', 'B001', 'delete', { archive_no: 'KH000000032', client_ip: '10.20.1.5' }),
  ev('22:00:00', 'A001', 'view', { archive_no: 'KH000000041' }),
  ev('22:01:00', 'A001', 'view', { archive_no: 'KH000000042' }),
  ev('22:02:00', 'A001', 'view', { archive_no: 'KH000000043' }),
];
const DAY17: LogEvent[] = [
  ev('10:00:00', 'A001', 'export', { archive_no: 'KH000000015' }, '2026-11-17'),
  ...[0, 1, 2, 3, 4].map((k) =>
    ev(`09:0${k}:00`, 'B001', 'login_failed', { result: 'denied', client_ip: '10.20.1.5' }, '2026-11-17'),
  ),
];

/** The same four people doing the same things again on `day`. */
function repeats(day: string): LogEvent[] {
  return [
    ev('10:00:00', 'A001', 'export', { archive_no: 'KH000000016' }, day),
    ev('10:05:00', 'A002', 'view', { archive_no: 'KH000000017' }, day),
    ev('10:25:00', 'B001', 'delete', { archive_no: 'KH000000033' }, day),
    ...[0, 1, 2, 3, 4].map((k) => ev(`09:0${k}:00`, 'B001', 'login_failed', { result: 'denied' }, day)),
  ];
}

export function describeAnomalyCommands(env: SuiteEnv): void {
  const here = join(env.dir, 'anomalies');
  const master = writeMasterData(here);

  describe('auditor anomalies list|show|export|resolve', () => {
    let ctx: CustodianContext;
    beforeEach(() => {
      ctx = env.ctx();
    });

    /** An empty database, then the audit of the 16th and the 17th (and a reveal in Custodian's own trail). */
    async function seed(): Promise<Map<string, Anomaly>> {
      await clearTables(ctx.storage);
      // A console user revealed a record late in the evening; the reason typed holds a phone number.
      await appendAuditTrail(ctx.storage.db, {
        actor: 'A001',
        action: 'reveal',
        targetType: 'customer',
        targetId: 'R-77',
        detail: { field: 'holder_phone', reason: `客户 ${PHONE} 来电核实`, archive_no: 'KH000000044' },
        at: new Date('2026-11-16T22:03:00+08:00'),
      });
      const s = await runAudit(ctx, {
        files: [
          writeLines(join(here, 'access-2026-11-16.jsonl'), logLines('jsonl', DAY16)),
          writeLines(join(here, 'access-2026-11-17.jsonl'), logLines('jsonl', DAY17)),
        ],
        staffFile: master.staffFile,
        approvalsFile: master.approvalsFile,
      });
      expect(s!.trailEvents).toBe(1);
      const rows = await ctx.storage.db.selectFrom('anomalies').selectAll().execute();
      return new Map(rows.map((a) => [a.group_key, a]));
    }

    async function auditDay(day: string) {
      return runAudit(ctx, {
        files: [writeLines(join(here, `access-${day}.jsonl`), logLines('jsonl', repeats(day)))],
      });
    }

    const cli = (...argv: string[]) => runCli(runAnomaliesCommand, ctx, argv);
    const listed = async (...filters: string[]) => {
      const r = await cli('list', ...filters, '--json');
      expect(r.code, r.stderr).toBe(0);
      const anomalies = r.json!['anomalies'] as { code: string; operator_id: string; day: string }[];
      return {
        total: r.json!['total'] as number,
        keys: anomalies.map((a) => `${a.operator_id}|${a.code}|${a.day}`),
        scores: (r.json!['anomalies'] as { score: number }[]).map((a) => a.score),
      };
    };

    it('lists riskiest first, with every filter, and pages', async () => {
      await seed();
      const all = await listed();
      expect(all.total).toBe(6);
      expect([...all.keys].sort()).toEqual([
        'A001|ACCESS_WITHOUT_APPROVAL|2026-11-16',
        'A001|ACCESS_WITHOUT_APPROVAL|2026-11-17',
        'A001|OFF_HOURS_ACCESS|2026-11-16',
        'A002|ACCESS_AFTER_DEPARTURE|2026-11-16',
        'B001|DELETION_WITHOUT_APPROVAL|2026-11-16',
        'B001|LOGIN_BRUTE_FORCE|2026-11-17',
      ]);
      expect(all.scores).toEqual([...all.scores].sort((a, b) => b - a));
      expect(all.keys.at(-1)).toBe('A001|OFF_HOURS_ACCESS|2026-11-16');

      expect((await listed('--code', 'ACCESS_WITHOUT_APPROVAL')).keys).toEqual([
        'A001|ACCESS_WITHOUT_APPROVAL|2026-11-17',
        'A001|ACCESS_WITHOUT_APPROVAL|2026-11-16',
      ]);
      expect((await listed('--severity', 'error')).total).toBe(4);
      expect((await listed('--severity', 'warning')).keys).toEqual(['B001|LOGIN_BRUTE_FORCE|2026-11-17']);
      expect((await listed('--operator', 'B001')).total).toBe(2);
      expect((await listed('--department', '理赔部')).total).toBe(2);
      expect((await listed('--branch', '北京分公司')).total).toBe(4);
      expect((await listed('--day', '2026-11-17')).total).toBe(2);
      expect((await listed('--from', '2026-11-16', '--to', '2026-11-16')).total).toBe(4);
      expect((await listed('--from', '2026-11-17')).total).toBe(2);
      expect((await listed('--to', '2026-11-15')).total).toBe(0);
      expect((await listed('--min-score', '35')).keys.sort()).toEqual([
        'A002|ACCESS_AFTER_DEPARTURE|2026-11-16',
        'B001|DELETION_WITHOUT_APPROVAL|2026-11-16',
      ]);
      expect((await listed('--status', 'open')).total).toBe(6);
      expect((await listed('--status', 'confirmed')).total).toBe(0);
      expect(
        (await listed('--operator', 'A001', '--code', 'ACCESS_WITHOUT_APPROVAL', '--day', '2026-11-17')).keys,
      ).toEqual(['A001|ACCESS_WITHOUT_APPROVAL|2026-11-17']);
      // Pages keep the filtered total.
      const page1 = await listed('--limit', '2');
      const page2 = await listed('--limit', '2', '--offset', '2');
      expect([page1.total, page2.total]).toEqual([6, 6]);
      expect([...page1.keys, ...page2.keys]).toEqual(all.keys.slice(0, 4));
      // Newest day first.
      expect((await listed('--order', 'day')).keys.slice(0, 2).map((k) => k.split('|')[2])).toEqual([
        '2026-11-17',
        '2026-11-17',
      ]);

      // What a person reads: a table, one line per anomaly, and the count.
      const human = await cli('list', '--operator', 'B001');
      expect(human.code).toBe(0);
      const lines = human.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(4);
      expect(lines[0]).toMatch(/^#\s+score\s+code\s+sev\s+operator\s+day\s+events/);
      expect(lines[1]).toMatch(/DELETION_WITHOUT_APPROVAL\s+error\s+B001\s+2026-11-16\s+1\s+KH000000032/);
      expect(lines[2]).toMatch(/LOGIN_BRUTE_FORCE\s+warning\s+B001\s+2026-11-17\s+5\s/);
      expect(lines[3]).toBe('2 of 2 anomalies');
    });

    it("groups one operator's anomalies of a code and day into one, across files too; the day's risk score adds them up", async () => {
      await clearTables(ctx.storage);
      const offHours = [41, 42, 43].map((n, k) =>
        ev(`22:0${k}:00`, 'A001', 'view', { archive_no: `KH0000000${n}` }),
      );
      const first = await runAudit(ctx, {
        files: [
          writeLines(
            join(here, 'group-1.jsonl'),
            logLines('jsonl', [
              ev('10:00:00', 'A001', 'export', { archive_no: 'KH000000010' }),
              ev('10:25:00', 'B001', 'delete', { archive_no: 'KH000000032' }),
              ev('11:00:00', 'A001', 'export', { archive_no: 'KH000000011', record_count: 2 }),
              ...offHours,
            ]),
          ),
        ],
        staffFile: master.staffFile,
        approvalsFile: master.approvalsFile,
      });
      expect(first!.anomalies).toMatchObject({ raised: 3, merged: 0 });
      const rows = async () =>
        new Map(
          (await ctx.storage.db.selectFrom('anomalies').selectAll().execute()).map((a) => [a.group_key, a]),
        );
      const risk = async () =>
        ctx.storage.db
          .selectFrom('operator_risk')
          .select(['operator_id', 'score', 'anomaly_count'])
          .where('day', '=', '2026-11-16')
          .orderBy('operator_id')
          .execute();
      let a = await rows();
      expect([...a.keys()].sort()).toEqual([
        'A001|ACCESS_WITHOUT_APPROVAL|2026-11-16',
        'A001|OFF_HOURS_ACCESS|2026-11-16',
        'B001|DELETION_WITHOUT_APPROVAL|2026-11-16',
      ]);
      const awa = () => a.get('A001|ACCESS_WITHOUT_APPROVAL|2026-11-16')!;
      const off = () => a.get('A001|OFF_HOURS_ACCESS|2026-11-16')!;
      expect([awa().event_count, awa().score, off().event_count, off().score]).toEqual([2, 39.03, 3, 14.77]);
      expect(awa().archive_nos).toEqual(['KH000000010', 'KH000000011']);
      // Risk: the sum of the operator's anomaly scores that day (30·(1+log10 2) + 10·(1+log10 3)).
      let r = await risk();
      expect(r.map((x) => [x.operator_id, x.anomaly_count])).toEqual([
        ['A001', 2],
        ['B001', 1],
      ]);
      expect(r[0]!.score).toBeCloseTo(39.03 + 14.77, 6);
      expect(r[1]!.score).toBe(40);
      expect(first!.risk[0]).toMatchObject({ operator_id: 'A001', anomaly_count: 2 });

      // A later file of the same day: the third unapproved export joins the same anomaly.
      const second = await runAudit(ctx, {
        files: [
          writeLines(
            join(here, 'group-2.jsonl'),
            logLines('jsonl', [ev('14:00:00', 'A001', 'export', { archive_no: 'KH000000012' })]),
          ),
        ],
      });
      expect(second!.anomalies).toMatchObject({ raised: 0, merged: 1 });
      a = await rows();
      expect(a.size).toBe(3);
      expect([awa().event_count, awa().score]).toEqual([3, 44.31]);
      expect(awa().archive_nos).toEqual(['KH000000010', 'KH000000011', 'KH000000012']);
      expect((awa().evidence as { events: unknown[]; findings: unknown }).findings).toEqual({
        no_approval: 3,
      });
      expect((awa().evidence as { events: unknown[] }).events).toHaveLength(3);
      const history = await ctx.storage.db
        .selectFrom('anomaly_events')
        .select('action')
        .where('anomaly_id', '=', awa().anomaly_id)
        .orderBy('event_id')
        .execute();
      expect(history.map((h) => h.action)).toEqual(['raised', 'merged']);
      r = await risk();
      expect(r.map((x) => [x.operator_id, x.anomaly_count])).toEqual([
        ['A001', 2],
        ['B001', 1],
      ]);
      expect(r[0]!.score).toBeCloseTo(44.31 + 14.77, 6);
    });

    it('refuses malformed filters as bad usage (exit code 2)', async () => {
      for (const argv of [
        ['list', '--day', '17/11/2026'],
        ['list', '--from', '2026-11'],
        ['list', '--min-score', 'high'],
        ['list', '--order', 'name'],
        ['list', '--colour', 'red'],
        ['export', '--to', 'yesterday'],
        ['purge'],
        ['show'],
        ['show', 'abc'],
      ]) {
        const r = await cli(...argv, '--json');
        expect(r.code, argv.join(' ')).toBe(2);
        // An export's stdout is its JSON Lines: its --json error is the last line of stderr.
        const json =
          argv[0] === 'export' ? (JSON.parse(r.stderr.trimEnd().split('\n').at(-1)!) as unknown) : r.json;
        expect(json, argv.join(' ')).toMatchObject({ ok: false, error: { code: 'USAGE' } });
        if (argv[0] === 'export') expect(r.stdout).toBe('');
      }
    });

    it('never repeats an ID number or a phone typed in the wrong place: the usage message quotes it masked', async () => {
      const cases: [string[], string][] = [
        [['show', ID_NUMBER], 'got "11**************34"'],
        [['show', '1', PHONE], 'unexpected argument "13*******00"'],
        [['export', PHONE], 'unexpected argument "13*******00"'],
        [['list', '--day', PHONE], '--day must be YYYY-MM-DD, got "13*******00"'],
        [['list', '--min-score', PHONE.replace('8', 'x')], '--min-score must be a number, got "13*******00"'],
        [['list', '--min-score', STAFF_NAME], '--min-score must be a number, got "张*明"'],
        [[ID_NUMBER], 'unknown anomalies command "11**************34"'],
      ];
      for (const [argv, message] of cases) {
        const r = await cli(...argv, '--json');
        expect(r.code, argv.join(' ')).toBe(2);
        const lines = r.stderr.trimEnd().split('\n');
        expect(lines[0], argv.join(' ')).toContain(message);
        for (const secret of SECRETS) expect(r.stdout + r.stderr).not.toContain(secret);
      }
    });

    it('shows an anomaly with its reason, masked evidence and history, never the personal data around it', async () => {
      const seeded = await seed();
      const awa = seeded.get('A001|ACCESS_WITHOUT_APPROVAL|2026-11-16')!;
      const off = seeded.get('A001|OFF_HOURS_ACCESS|2026-11-16')!;

      const human = await cli('show', String(awa.anomaly_id));
      expect(human.code).toBe(0);
      const out = human.stdout;
      expect(out).toContain(
        `anomaly #${awa.anomaly_id}  ACCESS_WITHOUT_APPROVAL [error]  status open  score 30`,
      );
      expect(out).toContain('无有效审批的访问：操作员 A001 于 2026-11-16 共 1 次相关操作（无审批 1）');
      expect(out).toContain('access without a valid approval: operator A001 on 2026-11-16, 1 events');
      expect(out).toContain(
        'operator A001 (张*明, 客户服务部, 北京分公司, clearance 普通, active), day 2026-11-16',
      );
      expect(out).toContain('archives: KH000000010');
      expect(out).toMatch(
        /2026-11-16T10:00:00\.000\+08:00 export KH000000010 x5 {2}10\.8\.3\.\* ok no_approval \(.*access-2026-11-16\.jsonl:1\)/,
      );
      expect(out).toMatch(
        /history \(Beijing time\):\n {4}\d{4}-\d{2}-\d{2} \d{2}:\d{2} {2}tester {2}raised {2}events 1\n/,
      );

      // The off-hours session includes the reveal from the audit trail (the typed reason is not evidence).
      const offShown = await cli('show', String(off.anomaly_id), '--json');
      expect(offShown.code).toBe(0);
      expect(offShown.stderr).toContain('KH000000044 x1');
      expect(offShown.stderr).toContain('(audit_trail:');
      const anomaly = offShown.json!['anomaly'] as { event_count: number; archive_nos: string[] };
      expect(anomaly.event_count).toBe(4);
      expect(anomaly.archive_nos).toEqual(['KH000000041', 'KH000000042', 'KH000000043', 'KH000000044']);
      expect(offShown.json!['staff']).toMatchObject({ operator_id: 'A001', name_masked: '张*明' });

      for (const text of [human.stdout, human.stderr, offShown.stdout, offShown.stderr])
        for (const secret of SECRETS) expect(text).not.toContain(secret);

      const missing = await cli('show', '999999', '--json');
      expect(missing.code).toBe(1);
      expect(missing.json).toMatchObject({ ok: false, error: { code: 'ANOMALY_NOT_FOUND' } });
    });

    it('exports JSON Lines as formats.md describes, to stdout or a file, with the list filters', async () => {
      await seed();
      const r = await cli('export');
      expect(r.code).toBe(0);
      const lines = r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).toHaveLength(6);
      const ids = lines.map((l) => l['anomaly_id'] as number);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      for (const l of lines) {
        for (const k of ANOMALY_EXPORT_KEYS) expect(l, k).toHaveProperty(k);
        expect(l['first_ts']).toMatch(/^2026-11-1[67]T\d{2}:\d{2}:\d{2}\.000\+08:00$/);
        expect(['error', 'warning', 'info']).toContain(l['severity']);
        expect(l['status']).toBe('open');
      }
      const brute = lines.find((l) => l['code'] === 'LOGIN_BRUTE_FORCE')!;
      expect(brute).toMatchObject({
        operator_id: 'B001',
        first_ts: '2026-11-17T09:00:00.000+08:00',
        last_ts: '2026-11-17T09:04:00.000+08:00',
        event_count: 5,
        archive_nos: [],
      });
      for (const secret of SECRETS) expect(r.stdout).not.toContain(secret);

      const file = join(here, 'awa.jsonl');
      const toFile = await cli('export', '--code', 'ACCESS_WITHOUT_APPROVAL', '--out', file, '--json');
      expect(toFile.code).toBe(0);
      expect(toFile.json).toEqual({ ok: true, anomalies: 2, out: file });
      expect(toFile.stdout.trimEnd().split('\n')).toHaveLength(1);
      const written = readFileSync(file, 'utf8').trimEnd().split('\n');
      expect(written.map((l) => (JSON.parse(l) as { day: string }).day)).toEqual([
        '2026-11-16',
        '2026-11-17',
      ]);
    });

    it('export --json without --out keeps stdout pure JSON Lines, honours --limit and --offset, checks ids', async () => {
      await seed();
      const all = await cli('export', '--json');
      expect(all.code, all.stderr).toBe(0);
      const lines = all.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(6);
      const ids = lines.map((l) => (JSON.parse(l) as { anomaly_id: number }).anomaly_id);
      expect(lines.every((l) => 'anomaly_id' in (JSON.parse(l) as object))).toBe(true);
      const summary = all.stderr.trimEnd().split('\n').at(-1)!;
      expect(JSON.parse(summary)).toEqual({ ok: true, anomalies: 6, out: null });

      const window = await cli('export', '--offset', '2', '--limit', '3');
      expect(window.code, window.stderr).toBe(0);
      const windowIds = window.stdout
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as { anomaly_id: number }).anomaly_id);
      expect(windowIds).toEqual(ids.slice(2, 5));
      const past = await cli('export', '--offset', '6');
      expect(past.code).toBe(0);
      expect(past.stdout).toBe('');

      const badLimit = await cli('export', '--json', '--limit', '0');
      expect(badLimit.code).toBe(2);
      expect(badLimit.stdout).toBe('');
      expect(badLimit.stderr).toMatch(/--limit/);
      for (const id of ['abc', '1.5', '99999999999']) {
        const r = await cli('show', id);
        expect(r.code, id).toBe(2);
        expect(r.stderr, id).toMatch(/anomaly id/);
        expect(r.stderr, id).not.toMatch(/\n\s+at /);
      }
      expect((await cli('show', String(ids[0]), 'extra')).code).toBe(2);
    });

    it('records dispositions in an append-only history and the audit trail; refuses incomplete ones', async () => {
      const seeded = await seed();
      const awa = seeded.get('A001|ACCESS_WITHOUT_APPROVAL|2026-11-16')!;
      const id = String(awa.anomaly_id);
      const history = () =>
        ctx.storage.db
          .selectFrom('anomaly_events')
          .selectAll()
          .where('anomaly_id', '=', awa.anomaly_id)
          .orderBy('event_id')
          .execute();

      // Refused, and nothing written: unknown disposition, no note, a waiver without (or before) its end.
      for (const [argv, code, exit] of [
        [['--disposition', 'ignored', '--note', 'x'], 'DISPOSITION_INVALID', 1],
        [['--disposition', 'confirmed'], 'DISPOSITION_INVALID', 1],
        [['--disposition', 'waived', '--note', '临时授权'], 'DISPOSITION_INVALID', 1],
        [
          ['--disposition', 'waived', '--note', '临时授权', '--until', '2026-11-15'],
          'DISPOSITION_INVALID',
          1,
        ],
        [['--disposition', 'waived', '--note', '临时授权', '--until', '30.11.2026'], 'USAGE', 2],
        [['--note', 'x'], 'USAGE', 2],
      ] as const) {
        const r = await cli('resolve', id, ...argv, '--json');
        expect(r.code, argv.join(' ')).toBe(exit);
        expect(r.json).toMatchObject({ ok: false, error: { code } });
      }
      expect((await cli('resolve', '999999', '--disposition', 'confirmed', '--note', 'x')).code).toBe(1);
      expect((await history()).map((h) => h.action)).toEqual(['raised']);

      const confirmed = await cli(
        'resolve',
        id,
        '--disposition',
        'confirmed',
        '--note',
        '已约谈，确认违规导出',
      );
      expect(confirmed.code).toBe(0);
      expect(confirmed.stdout).toBe(`anomaly #${id} confirmed\n`);
      const afterConfirm = await history();

      const waived = await cli(
        'resolve',
        id,
        '--disposition',
        'waived',
        '--note',
        '月末报送临时授权',
        '--until',
        '2026-11-30',
        '--json',
      );
      expect(waived.code).toBe(0);
      expect(waived.json!['anomaly']).toMatchObject({ status: 'waived', waived_until: '2026-11-30' });

      const all = await history();
      expect(all.map((h) => [h.action, h.actor])).toEqual([
        ['raised', 'tester'],
        ['confirmed', 'tester'],
        ['waived', 'tester'],
      ]);
      // Earlier entries are kept as they were; the new ones say from what to what, why and until when.
      expect(all.slice(0, 2)).toEqual(afterConfirm);
      expect(all[1]!.detail).toEqual({
        from: 'open',
        to: 'confirmed',
        note: '已约谈，确认违规导出',
        until: null,
      });
      expect(all[2]!.detail).toEqual({
        from: 'confirmed',
        to: 'waived',
        note: '月末报送临时授权',
        until: '2026-11-30',
      });
      // The history cannot be rewritten, even by hand.
      await expect(
        sql`update anomaly_events set detail = '{}'::jsonb where anomaly_id = ${awa.anomaly_id}`.execute(
          ctx.storage.db,
        ),
      ).rejects.toThrow();
      await expect(
        sql`delete from anomaly_events where anomaly_id = ${awa.anomaly_id}`.execute(ctx.storage.db),
      ).rejects.toThrow();
      expect(await history()).toEqual(all);

      const trail = await ctx.storage.db
        .selectFrom('audit_trail')
        .select(['actor', 'action', 'target_id'])
        .where('action', 'like', 'anomaly.%')
        .orderBy('seq')
        .execute();
      expect(trail).toEqual([
        { actor: 'tester', action: 'anomaly.confirmed', target_id: id },
        { actor: 'tester', action: 'anomaly.waived', target_id: id },
      ]);
      expect((await verifyAuditTrail(ctx.storage.db)).ok).toBe(true);
      expect((await listed('--status', 'waived')).keys).toEqual(['A001|ACCESS_WITHOUT_APPROVAL|2026-11-16']);
    });

    it('suppresses repeats while a false positive or a waiver holds, not after, and never for a confirmed one', async () => {
      const seeded = await seed();
      const id = (key: string) => String(seeded.get(key)!.anomaly_id);
      // A false positive holds falsePositiveDays (2 here) from its day: through the 18th.
      const fp = await runCli(runAnomaliesCommand, withAuditorConfig(ctx, { falsePositiveDays: 2 }), [
        'resolve',
        id('A001|ACCESS_WITHOUT_APPROVAL|2026-11-16'),
        '--disposition',
        'false_positive',
        '--note',
        '测试账号，经信息科核实',
      ]);
      expect(fp.code).toBe(0);
      expect(
        (
          await cli(
            'resolve',
            id('B001|DELETION_WITHOUT_APPROVAL|2026-11-16'),
            '--disposition',
            'waived',
            '--note',
            '到期档案集中销毁，审批补办中',
            '--until',
            '2026-11-18',
          )
        ).code,
      ).toBe(0);
      expect(
        (
          await cli(
            'resolve',
            id('A002|ACCESS_AFTER_DEPARTURE|2026-11-16'),
            '--disposition',
            'waived',
            '--note',
            '离职交接',
            '--until',
            '2026-11-17',
          )
        ).code,
      ).toBe(0);
      expect(
        (
          await cli(
            'resolve',
            id('B001|LOGIN_BRUTE_FORCE|2026-11-17'),
            '--disposition',
            'confirmed',
            '--note',
            '确认为撞库',
          )
        ).code,
      ).toBe(0);

      const s18 = await auditDay('2026-11-18');
      expect(s18!.anomalies).toMatchObject({ raised: 2, suppressed: 2 });
      const on18 = await ctx.storage.db
        .selectFrom('anomalies')
        .selectAll()
        .where('day', '=', '2026-11-18')
        .orderBy('group_key')
        .execute();
      expect(on18.map((a) => [a.group_key, a.status, a.waived_until])).toEqual([
        ['A001|ACCESS_WITHOUT_APPROVAL|2026-11-18', 'false_positive', null],
        ['A002|ACCESS_AFTER_DEPARTURE|2026-11-18', 'open', null], // the waiver ended on the 17th
        ['B001|DELETION_WITHOUT_APPROVAL|2026-11-18', 'waived', '2026-11-18'],
        ['B001|LOGIN_BRUTE_FORCE|2026-11-18', 'open', null], // confirmed: repeats are raised
      ]);
      const suppressedBy = await ctx.storage.db
        .selectFrom('anomaly_events')
        .select(['anomaly_id', 'action', 'detail'])
        .where('anomaly_id', '=', on18[0]!.anomaly_id)
        .execute();
      expect(suppressedBy).toEqual([
        {
          anomaly_id: on18[0]!.anomaly_id,
          action: 'suppressed',
          detail: expect.objectContaining({
            by_anomaly: Number(id('A001|ACCESS_WITHOUT_APPROVAL|2026-11-16')),
            kind: 'false_positive',
            until: '2026-11-18',
          }),
        },
      ]);
      // Suppressed anomalies do not count in the day's risk.
      const risk = await ctx.storage.db
        .selectFrom('operator_risk')
        .select(['operator_id', 'anomaly_count'])
        .where('day', '=', '2026-11-18')
        .orderBy('operator_id')
        .execute();
      expect(risk).toEqual([
        { operator_id: 'A002', anomaly_count: 1 },
        { operator_id: 'B001', anomaly_count: 1 },
      ]);

      // The day after, both the false positive and the waiver have run out.
      const s19 = await auditDay('2026-11-19');
      expect(s19!.anomalies).toMatchObject({ raised: 4, suppressed: 0 });
      expect((await listed('--day', '2026-11-19', '--status', 'open')).total).toBe(4);
    });

    it('stops suppressing when a false positive or waiver is changed to another disposition or shortened', async () => {
      const seeded = await seed();
      const awa = String(seeded.get('A001|ACCESS_WITHOUT_APPROVAL|2026-11-16')!.anomaly_id);
      const dwa = String(seeded.get('B001|DELETION_WITHOUT_APPROVAL|2026-11-16')!.anomaly_id);
      const resolve = async (anomaly: string, ...argv: string[]) =>
        expect((await cli('resolve', anomaly, ...argv)).code).toBe(0);
      // Taken for a false positive, then found to be real after all.
      await resolve(awa, '--disposition', 'false_positive', '--note', '初判为测试账号');
      await resolve(awa, '--disposition', 'confirmed', '--note', '复核：实为违规导出');
      // Waived to the end of the month, then the waiver cut short to the 17th.
      await resolve(dwa, '--disposition', 'waived', '--note', '集中销毁', '--until', '2026-11-30');
      await resolve(dwa, '--disposition', 'waived', '--note', '审批已撤回', '--until', '2026-11-17');

      const s18 = await auditDay('2026-11-18');
      expect(s18!.anomalies.suppressed).toBe(0);
      expect((await listed('--day', '2026-11-18', '--status', 'open')).total).toBe(4);
    });
  });
}
