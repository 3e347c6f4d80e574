import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  assignFlag,
  type CustodianContext,
  decryptJson,
  getFlagDetail,
  resolveFlag,
  type Storage,
  sendBackFlag,
  verifyAuditTrail,
  verifyFlag,
} from '@custodian/core';
import { clearTables, testBackends } from '@custodian/core/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isRunMissing, nightlyIngestJob } from './jobs/nightly-ingest.js';
import { applyCorrection } from './review/apply-correction.js';
import { runIngest } from './run-ingest.js';
import { agentRow, cleanRow, openTestContext, tempDir, writeCsv } from './testing/fixtures.js';

for (const backend of testBackends()) {
  describe(`review and nightly job on ${backend.name}`, () => {
    let storage: Storage;
    let ctx: CustodianContext;
    let dir: string;
    beforeAll(async () => {
      storage = await backend.open();
    });
    afterAll(async () => {
      await storage?.close();
    });
    beforeEach(async () => {
      await clearTables(storage);
      dir = tempDir();
      ctx = await openTestContext(storage, dir, { ingest: { inbox: join(dir, 'inbox') } });
    });

    it('works a flag from listed to verified, appending every step, with four eyes', async () => {
      await runIngest(ctx, {
        files: [writeCsv(dir, 'a.csv', [cleanRow('F1', { holder_phone: '15412345678' })])],
        date: '2026-11-20',
        workers: 0,
      });
      const flag = await storage.db
        .selectFrom('flags')
        .selectAll()
        .where('rule', '=', 'PHONE_FORMAT')
        .executeTakeFirstOrThrow();
      await assignFlag(storage.db, flag.flag_id, { actor: 'reviewer1', to: '个险渠道' });
      await expect(
        resolveFlag(storage.db, flag.flag_id, { actor: 'inv1', outcome: 'fixed', note: 'x' }),
      ).rejects.toThrow(/unknown outcome/);
      await expect(
        resolveFlag(storage.db, flag.flag_id, { actor: 'inv1', outcome: 'genuine', note: ' ' }),
      ).rejects.toThrow(/note is required/);
      await resolveFlag(
        storage.db,
        flag.flag_id,
        {
          actor: 'inv1',
          outcome: 'corrected',
          note: '客户来电更正',
          corrected: { holder_phone: '13987650000' },
        },
        (trx, f, values) => applyCorrection(ctx, trx, f, values),
      );
      // The record now carries the corrected phone, encrypted, and masked for display.
      const c = await storage.db
        .selectFrom('customers')
        .selectAll()
        .where('record_id', '=', 'F1')
        .executeTakeFirstOrThrow();
      expect(c.holder_phone_masked).toBe('139****0000');
      expect(decryptJson<Record<string, string>>(ctx.keyring, c.pii).holder_phone).toBe('13987650000');
      await expect(verifyFlag(storage.db, flag.flag_id, { actor: 'inv1' })).rejects.toThrow(
        /someone other than inv1/,
      );
      await sendBackFlag(storage.db, flag.flag_id, { actor: 'sup1', note: '请附来电记录' });
      await resolveFlag(storage.db, flag.flag_id, {
        actor: 'inv1',
        outcome: 'genuine',
        note: '已附来电记录',
      });
      const closed = await verifyFlag(storage.db, flag.flag_id, { actor: 'sup1' });
      expect(closed).toMatchObject({ status: 'closed', outcome: 'genuine' });
      await expect(
        resolveFlag(storage.db, flag.flag_id, { actor: 'inv1', outcome: 'dismissed', note: 'x' }),
      ).rejects.toThrow(/already closed/);
      const detail = await getFlagDetail(storage.db, flag.flag_id);
      expect(detail.history.map((h) => `${h.action}:${h.actor}`)).toEqual([
        'raised:test',
        'assigned:reviewer1',
        'resolved:inv1',
        'sent_back:sup1',
        'resolved:inv1',
        'verified:sup1',
      ]);
      // The corrected value appears masked in the history, never clear.
      expect(JSON.stringify(detail.history)).toContain('139****0000');
      expect(JSON.stringify(detail.history)).not.toContain('13987650000');
      expect(await verifyAuditTrail(storage.db)).toMatchObject({ ok: true });
      const trail = await storage.db
        .selectFrom('audit_trail')
        .select(['actor', 'action'])
        .orderBy('seq')
        .execute();
      expect(trail.map((t) => t.action)).toContain('flag.verified');
    });

    it('takes every inbox file, agents first, moves each to done/ or failed/, and records the run', async () => {
      const inbox = join(dir, 'inbox');
      mkdirSync(inbox, { recursive: true });
      writeCsv(inbox, 'agents-20261120.csv', [agentRow('A001', { address: '', branch: '北京' })]);
      writeCsv(inbox, 'customers-1.csv', [cleanRow('S1', { holder_phone: '13700001111' })]);
      writeFileSync(join(inbox, 'customers-2.csv'), 'no_id_column,x\n1,2\n');
      expect(await isRunMissing(ctx, '2026-11-21')).toBe(true);
      const r = await nightlyIngestJob.run(ctx, { runKey: '2026-11-21', workers: 0 });
      expect(r.summary!.files.map((f) => f.status)).toEqual(['done', 'failed']);
      expect(r.status).toBe('done');
      expect(
        readdirSync(join(inbox, 'done'))
          .map((n) => n.replace(/^\d+T\d+_/, ''))
          .sort(),
      ).toEqual(['agents-20261120.csv', 'customers-1.csv']);
      expect(readdirSync(join(inbox, 'failed')).map((n) => n.replace(/^\d+T\d+_/, ''))).toEqual([
        'customers-2.csv',
      ]);
      expect(existsSync(join(inbox, 'customers-1.csv'))).toBe(false);
      expect(await isRunMissing(ctx, '2026-11-21')).toBe(false);
      const flags = await storage.db.selectFrom('flags').select('rule').execute();
      expect(flags.map((f) => f.rule)).toEqual(['AGENT_CONTACT_SUBSTITUTION']);
    });

    it('knows which nightly run is due, for catching up after downtime', () => {
      // 01:00 Asia/Shanghai: at 00:30 local the due run is yesterday's, at 01:30 today's.
      expect(nightlyIngestJob.dueRunKey(ctx, new Date('2026-11-21T16:30:00Z'))).toBe('2026-11-21');
      expect(nightlyIngestJob.dueRunKey(ctx, new Date('2026-11-21T17:30:00Z'))).toBe('2026-11-22');
      expect(nightlyIngestJob.cron(ctx)).toBe('0 1 * * *');
    });
  });
}
