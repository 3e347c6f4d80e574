import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  appendAuditTrail,
  type CustodianContext,
  createOutput,
  loadConfig,
  openCustodian,
  verifyAuditTrail,
} from '@custodian/core';
import { clearTables, testBackends } from '@custodian/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAnomaliesCommand } from './commands/anomalies.js';
import { runAudit } from './run-audit.js';
import { type SampleLogFiles, writeSampleLogs } from './sample/write-sample-logs.js';
import { listAnomalies, resolveAnomaly } from './store/anomalies-repo.js';
import { ANOMALY_EXPORT_KEYS } from './testing/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'auditor-it-'));
let files: SampleLogFiles;

beforeAll(async () => {
  files = await writeSampleLogs(join(dir, 'logs'), {
    staff: 120,
    events: 60_000,
    days: 30,
    casesPerCode: 1,
    seed: 7,
  });
});

for (const backend of testBackends()) {
  describe(`runAudit on ${backend.name}`, () => {
    let ctx: CustodianContext;
    beforeAll(async () => {
      const storage = await backend.open();
      ctx = await openCustodian(
        loadConfig({
          env: {},
          overrides: {
            dataDir: join(dir, backend.name),
            masterKeys: `t1:${Buffer.alloc(32, 3).toString('base64')}`,
            auditor: { workers: 0 },
          },
        }),
        { storage },
      );
    });
    afterAll(async () => {
      await ctx?.close();
    });

    it('finds every injected case of a generated month, skips files already audited, audits reveals in the trail', async () => {
      await clearTables(ctx.storage);
      // A reveal of a record by someone not in the staff directory's clearance: audited as a view.
      await appendAuditTrail(ctx.storage.db, {
        actor: 'OP00001',
        action: 'customer.reveal',
        targetType: 'customer',
        targetId: 'R1',
        detail: { archive_no: 'KH999000001' },
        at: new Date('2026-11-17T23:30:00+08:00'),
      });
      const input = {
        files: files.logFiles,
        staffFile: files.staffFile,
        approvalsFile: files.approvalsFile,
        recordsFile: files.recordsFile,
      };
      const s = await runAudit(ctx, input);
      expect(s).toBeDefined();
      expect(s!.trailEvents).toBe(1);
      const all = await listAnomalies(ctx.storage.db, {}, { limit: 1000 });
      const keys = new Set(all.anomalies.map((a) => a.group_key));
      const missed = files.labels.filter((l) => !keys.has(`${l.operator_id}|${l.code}|${l.day}`));
      expect(missed).toEqual([]);
      const again = await runAudit(ctx, input);
      expect(again!.files.every((f) => f.status === 'skipped')).toBe(true);
      expect(again!.anomalies.raised).toBe(0);
      const risk = await ctx.storage.db
        .selectFrom('operator_risk')
        .selectAll()
        .orderBy('score', 'desc')
        .execute();
      expect(risk.length).toBeGreaterThan(0);
    });

    it('exports JSON Lines and records dispositions in history and audit trail; false positives suppress repeats', async () => {
      const { anomalies } = await listAnomalies(ctx.storage.db, { code: 'ACCESS_WITHOUT_APPROVAL' });
      const target = anomalies[0]!;
      const out = join(dir, `${backend.name}-export.jsonl`);
      expect(await runAnomaliesCommand(ctx, ['export', '--out', out], createOutput(true))).toBe(0);
      const lines = readFileSync(out, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines.length).toBeGreaterThan(10);
      for (const k of ANOMALY_EXPORT_KEYS) expect(lines[0]).toHaveProperty(k);
      expect(
        await runAnomaliesCommand(
          ctx,
          [
            'resolve',
            String(target.anomaly_id),
            '--disposition',
            'false_positive',
            '--note',
            '经核实为测试账号',
          ],
          createOutput(true),
        ),
      ).toBe(0);
      await expect(
        resolveAnomaly(ctx.storage.db, target.anomaly_id, { actor: 'x', disposition: 'waived', note: 'n' }),
      ).rejects.toThrow(/until/);
      const history = await ctx.storage.db
        .selectFrom('anomaly_events')
        .selectAll()
        .where('anomaly_id', '=', target.anomaly_id)
        .execute();
      expect(history.map((h) => h.action)).toEqual(['raised', 'false_positive']);
      const trail = await ctx.storage.db
        .selectFrom('audit_trail')
        .selectAll()
        .where('action', '=', 'anomaly.false_positive')
        .execute();
      expect(trail).toHaveLength(1);
      expect((await verifyAuditTrail(ctx.storage.db)).ok).toBe(true);
      // A repeat of the same operator and code on the same day, from a new file: suppressed, not open.
      const repeat = join(dir, `${backend.name}-repeat.jsonl`);
      const { writeFileSync } = await import('node:fs');
      writeFileSync(
        repeat,
        `${JSON.stringify({ ts: `${target.day}T10:00:00+08:00`, operator_id: target.operator_id, action: 'export', archive_no: 'KH000000005', record_count: 1 })}\n`,
      );
      await clearSuppressedDay(ctx, target.group_key);
      const s = await runAudit(ctx, { files: [repeat] });
      expect(s!.anomalies.suppressed).toBe(1);
      const again = await ctx.storage.db
        .selectFrom('anomalies')
        .selectAll()
        .where('group_key', '=', target.group_key)
        .executeTakeFirstOrThrow();
      expect(again.status).toBe('false_positive');
    });
  });
}

/** Anomalies are never deleted in production; the test frees the group key so the repeat is raised anew. */
async function clearSuppressedDay(ctx: CustodianContext, key: string): Promise<void> {
  await ctx.storage.db
    .updateTable('anomalies')
    .set({ group_key: `${key}#old` })
    .where('group_key', '=', key)
    .execute();
}
