import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CustodianContext, decryptJson, type Storage, verifyAuditTrail } from '@custodian/core';
import { clearTables, testBackends } from '@custodian/core/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { authorize, ROLES } from './authz.js';
import { ROUTES } from './routes/index.js';
import { createServer } from './server.js';
import {
  openTestContext,
  seedAccounts,
  seedCustomer,
  seedFlag,
  TEST_COST,
  TEST_PASSWORD,
} from './testing/fixtures.js';
import { TestClient } from './testing/http-client.js';

/**
 * The console over real HTTP against a real database (embedded always, the server with
 * TEST_DATABASE_URL): the role-by-route matrix, channel scope, CSRF, session fixation, escaping,
 * injection attempts, lockout, the review workflow through core's functions, reveal and its audit.
 */
const XSS = '<script>alert(1)</script>';
const CH_A = '个险渠道';
const CH_B = '银保渠道';

for (const backend of testBackends()) {
  describe(backend.name, () => {
    let storage: Storage;
    let ctx: CustodianContext;
    let server: Server;
    let base: string;
    let reportsDir: string;
    // Monday 2026-11-23, 10:00 in Shanghai; tests move it to pass a lockout.
    let now = new Date('2026-11-23T02:00:00Z');
    const ids = { a1: 0, b1: 0, a2: 0 };

    beforeAll(async () => {
      storage = await backend.open();
      reportsDir = mkdtempSync(join(tmpdir(), 'console-reports-'));
      ctx = await openTestContext(storage, { reports: { outDir: reportsDir } });
      server = createServer(ctx, {
        now: () => now,
        scryptCost: TEST_COST,
        settings: { secureCookies: true, queueCountCacheSeconds: 0 },
        logError: (err) => {
          throw err;
        },
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      await new Promise((resolve) => server?.close(resolve));
      await storage?.close();
    });

    beforeEach(async () => {
      now = new Date('2026-11-23T02:00:00Z');
      await clearTables(storage);
      await seedAccounts(ctx);
      const ca = await seedCustomer(ctx, { recordId: 'R-A1', channel: CH_A });
      const cb = await seedCustomer(ctx, {
        recordId: 'R-B1',
        channel: CH_B,
        name: '李四',
        idNumber: '110105194912310029',
      });
      ids.a1 = await seedFlag(ctx, {
        customerId: ca,
        recordId: 'R-A1',
        channel: CH_A,
        related: ['R-B1'],
        dueOn: '2026-11-20',
      });
      ids.b1 = await seedFlag(ctx, {
        customerId: cb,
        recordId: 'R-B1',
        channel: CH_B,
        related: ['R-A1'],
        dueOn: '2026-11-25',
      });
      ids.a2 = await seedFlag(ctx, {
        customerId: ca,
        recordId: 'R-A1',
        channel: CH_A,
        rule: 'ID_CHECKSUM',
        severity: 'error',
        dueOn: '2026-11-23',
      });
    });

    async function signedIn(username: string): Promise<TestClient> {
      const client = new TestClient(base);
      const res = await client.login(username, TEST_PASSWORD);
      expect(res.status, `login of ${username}`).toBe(303);
      await client.get('/');
      return client;
    }

    async function customerRow(recordId: string) {
      return storage.db
        .selectFrom('customers')
        .selectAll()
        .where('record_id', '=', recordId)
        .executeTakeFirstOrThrow();
    }

    async function flagRow(id: number) {
      return storage.db.selectFrom('flags').selectAll().where('flag_id', '=', id).executeTakeFirstOrThrow();
    }

    describe('authorisation matrix', () => {
      it('answers every route for every role exactly as the policy says', async () => {
        await storage.db
          .insertInto('anomalies')
          .values({
            group_key: 'OP1|OFF_HOURS_ACCESS|2026-11-20',
            code: 'OFF_HOURS_ACCESS',
            severity: 'warning',
            operator_id: 'OP1',
            day: '2026-11-20',
            first_ts: '2026-11-20T15:00:00Z',
            last_ts: '2026-11-20T16:00:00Z',
            event_count: 3,
            archive_nos: ['A-1'],
            score: 4,
            reason_zh: '非工作时间访问',
            reason_en: 'off-hours access',
            status: 'open',
          })
          .execute();
        const anomalyId = (
          await storage.db.selectFrom('anomalies').select('anomaly_id').executeTakeFirstOrThrow()
        ).anomaly_id;
        const userId = (
          await storage.db
            .selectFrom('console_users')
            .select('user_id')
            .where('username', '=', 'rev')
            .executeTakeFirstOrThrow()
        ).user_id;
        const pathOf = (path: string) =>
          path
            .replace('/flags/:id', `/flags/${ids.a1}`)
            .replace('/anomalies/:id', `/anomalies/${anomalyId}`)
            .replace('/admin/users/:id', `/admin/users/${userId}`)
            .replace(':file', 'console.css');
        const accounts: Record<string, string> = {
          reviewer: 'rev',
          investigator: 'inv_a',
          supervisor: 'sup',
          manager: 'mgr',
          auditor: 'aud',
          admin: 'adm',
        };
        // Logout last: it ends the session the rest of the matrix uses.
        const routes = [...ROUTES].sort((a, b) => Number(a.id === 'logout') - Number(b.id === 'logout'));
        for (const role of [null, ...ROLES]) {
          const client = role ? await signedIn(accounts[role]!) : new TestClient(base);
          if (!role) await client.get('/login');
          for (const r of routes) {
            if (r.id === 'login.submit') continue; // a sign-in attempt, tested below
            const res = await client.request(
              r.method,
              pathOf(r.path),
              r.method === 'POST' ? { form: {} } : {},
            );
            const expected = authorize(r.id, role ? [role] : null);
            const what = `${role ?? 'anonymous'} ${r.method} ${r.path} → ${res.status}`;
            if (expected === 'forbidden') expect(res.status, what).toBe(403);
            else if (expected === 'login') {
              expect(res.status, what).toBe(303);
              expect(res.location, what).toMatch(/^\/login/);
            } else if (r.id === 'logout') {
              expect(res.location, what).toBe('/login?bye=1');
            } else {
              expect(res.status, what).not.toBe(403);
              expect(res.location ?? '', what).not.toMatch(/^\/login/);
            }
          }
        }
        // Refusals are themselves audited.
        const denied = await storage.db
          .selectFrom('audit_trail')
          .select(['actor', 'target_id'])
          .where('action', '=', 'console.access_denied')
          .execute();
        expect(denied).toContainEqual({ actor: 'adm', target_id: 'flag.view' });
        expect(denied).toContainEqual({ actor: 'mgr', target_id: 'flag.reveal' });
      }, 120_000);
    });

    describe('investigator scope', () => {
      it('shows an investigator only the flags of their channel, whatever they type', async () => {
        const inv = await signedIn('inv_a');
        const queue = await inv.get(`/flags?channel=${encodeURIComponent(CH_B)}&status=all`);
        expect(queue.status).toBe(200);
        expect(queue.body).toContain(`href="/flags/${ids.a1}"`);
        expect(queue.body).not.toContain(`href="/flags/${ids.b1}"`);
        expect(queue.body).not.toContain(CH_B);

        const other = await inv.get(`/flags/${ids.b1}`);
        expect(other.status).toBe(404);
        expect(other.body).not.toContain('R-B1');
        const missing = await inv.get('/flags/999999');
        expect(missing.status).toBe(404);
        // The same answer for another channel's flag and for no flag at all: nothing leaks.
        const main = (body: string) => body.slice(body.indexOf('<main'));
        expect(main(other.body)).toBe(main(missing.body));

        await inv.get(`/flags/${ids.a1}`);
        const resolve = await inv.post(`/flags/${ids.b1}/resolve`, {
          outcome: 'dismissed',
          note: 'not mine',
        });
        expect(resolve.status).toBe(404);
        expect((await flagRow(ids.b1)).status).toBe('open');

        // The own flag's group includes a record of the other channel: it is not shown.
        const own = await inv.get(`/flags/${ids.a1}`);
        expect(own.status).toBe(200);
        expect(own.body).toContain('R-A1');
        expect(own.body).not.toContain('R-B1');
        expect(own.body).toContain('1 条其他渠道的记录');
      });

      it('lets a reviewer see both channels and the whole group', async () => {
        const rev = await signedIn('rev');
        const queue = await rev.get('/flags');
        expect(queue.body).toContain(`href="/flags/${ids.a1}"`);
        expect(queue.body).toContain(`href="/flags/${ids.b1}"`);
        const page = await rev.get(`/flags/${ids.a1}`);
        expect(page.body).toContain('R-B1');
        expect(page.body).toContain('李*');
      });
    });

    describe('CSRF', () => {
      it('refuses a POST without the token, with a wrong one, another session’s, or from another origin', async () => {
        const sup = await signedIn('sup');
        const rev = await signedIn('rev');
        await rev.get(`/flags/${ids.a1}`);
        const attempts = [
          rev.post(`/flags/${ids.a1}/assign`, { to: CH_A }, { csrf: null }),
          rev.post(`/flags/${ids.a1}/assign`, { to: CH_A }, { csrf: 'forged' }),
          rev.post(`/flags/${ids.a1}/assign`, { to: CH_A }, { csrf: sup.csrf ?? 'x' }),
          rev.post(`/flags/${ids.a1}/assign`, { to: CH_A }, { headers: { origin: 'http://evil.example' } }),
          rev.post(`/flags/${ids.a1}/assign`, { to: CH_A }, { headers: { 'sec-fetch-site': 'cross-site' } }),
        ];
        for (const res of await Promise.all(attempts)) {
          expect(res.status).toBe(403);
          expect(res.body).toContain('表单已过期或来源不可信');
        }
        expect((await flagRow(ids.a1)).assignee).toBeNull();
        await rev.get(`/flags/${ids.a1}`);
        const ok = await rev.post(`/flags/${ids.a1}/assign`, { to: CH_A }, { headers: { origin: base } });
        expect(ok.status).toBe(303);
        expect((await flagRow(ids.a1)).assignee).toBe(CH_A);
      });

      it('protects the login form too', async () => {
        const client = new TestClient(base);
        await client.get('/login');
        const res = await client.post(
          '/login',
          { username: 'rev', password: TEST_PASSWORD },
          { csrf: 'forged' },
        );
        expect(res.status).toBe(403);
        expect(client.cookies.size).toBe(1);
      });
    });

    describe('sessions', () => {
      it('issues a new session id at login and forgets the pre-login one (no fixation)', async () => {
        const client = new TestClient(base);
        const form = await client.get('/login');
        const before = client.cookies.get('custodian_session');
        expect(before).toBeTruthy();
        const cookie = form.setCookies.find((c) => c.startsWith('custodian_session='))!;
        expect(cookie).toMatch(/HttpOnly/);
        expect(cookie).toMatch(/Secure/);
        expect(cookie).toMatch(/SameSite=Strict/);
        const res = await client.post('/login', { username: 'rev', password: TEST_PASSWORD });
        expect(res.status).toBe(303);
        const after = client.cookies.get('custodian_session');
        expect(after).toBeTruthy();
        expect(after).not.toBe(before);
        const planted = new TestClient(base);
        planted.cookies.set('custodian_session', before!);
        const attempt = await planted.get('/flags');
        expect(attempt.status).toBe(303);
        expect(attempt.location).toMatch(/^\/login/);
        expect((await client.get('/flags')).status).toBe(200);
        // Only a hash of the token is stored.
        const stored = await storage.db.selectFrom('console_sessions').select('session_hash').execute();
        expect(stored.map((s) => s.session_hash)).not.toContain(after);
      });

      it('ends the session at logout and after the idle time', async () => {
        const rev = await signedIn('rev');
        const token = rev.cookies.get('custodian_session')!;
        await rev.get('/flags');
        expect((await rev.post('/logout')).location).toBe('/login?bye=1');
        const replay = new TestClient(base);
        replay.cookies.set('custodian_session', token);
        expect((await replay.get('/flags')).status).toBe(303);

        const sup = await signedIn('sup');
        now = new Date(now.getTime() + 31 * 60_000);
        const idle = await sup.get('/flags');
        expect(idle.status).toBe(303);
        expect(idle.location).toMatch(/^\/login/);
      });
    });

    describe('lockout and passwords', () => {
      it('locks an account after five failures, audits it, and lets it in again after the lock', async () => {
        const client = new TestClient(base);
        for (let i = 0; i < 5; i++) {
          const res = await client.login('rev', 'Wrong-passw0rd');
          expect(res.status).toBe(401);
          expect(res.body).toContain('用户名或密码错误');
        }
        expect((await client.login('rev', TEST_PASSWORD)).status).toBe(401);
        const trail = await storage.db.selectFrom('audit_trail').select(['action', 'actor']).execute();
        expect(trail.filter((t) => t.action === 'console.login_failed')).toHaveLength(6);
        expect(trail).toContainEqual({ action: 'console.account_locked', actor: 'rev' });
        now = new Date(now.getTime() + 16 * 60_000);
        expect((await client.login('rev', TEST_PASSWORD)).status).toBe(303);
        const unknown = await new TestClient(base).login('nobody', TEST_PASSWORD);
        expect(unknown.status).toBe(401);
      });

      it('forces a password change at first login and when the password has expired', async () => {
        await seedAccounts(ctx, [{ username: 'newbie', roles: ['reviewer'], mustChange: true }]);
        const client = new TestClient(base);
        const res = await client.login('newbie', TEST_PASSWORD);
        expect(res.location).toBe('/password');
        expect((await client.get('/flags')).location).toBe('/password');
        const form = await client.get('/password');
        expect(form.body).toContain('首次登录或密码已过期');
        const weak = await client.post('/password', {
          current: TEST_PASSWORD,
          password: 'weakweakweak',
          confirm: 'weakweakweak',
        });
        expect(weak.status).toBe(400);
        expect(weak.body).toContain('至少三类');
        const before = client.cookies.get('custodian_session');
        const changed = await client.post('/password', {
          current: TEST_PASSWORD,
          password: 'Brand-New-Pass-7',
          confirm: 'Brand-New-Pass-7',
        });
        expect(changed.status).toBe(303);
        expect(client.cookies.get('custodian_session')).not.toBe(before);
        expect((await client.get('/flags')).status).toBe(200);

        await storage.db
          .updateTable('console_users')
          .set({ password_changed_at: new Date(now.getTime() - 91 * 86_400_000) })
          .where('username', '=', 'sup')
          .execute();
        const sup = new TestClient(base);
        expect((await sup.login('sup', TEST_PASSWORD)).location).toBe('/password');
      });
    });

    describe('escaping and injection', () => {
      it('shows a customer name, reason, note and branch like <script>alert(1)</script> as text', async () => {
        const cx = await seedCustomer(ctx, { recordId: 'R-X', channel: CH_A, name: XSS });
        await storage.db
          .updateTable('customers')
          .set({ holder_name_masked: XSS, branch: XSS })
          .where('customer_id', '=', cx)
          .execute();
        const fx = await seedFlag(ctx, {
          customerId: cx,
          recordId: 'R-X',
          channel: CH_A,
          branch: XSS,
          reasonZh: XSS,
          reasonEn: XSS,
        });
        const rev = await signedIn('rev');
        await rev.get(`/flags/${fx}`);
        await rev.post(`/flags/${fx}/resolve`, { outcome: 'genuine', note: XSS });
        const queue = await rev.get(`/flags?branch=${encodeURIComponent(XSS)}`);
        const page = await rev.get(`/flags/${fx}`);
        const revealed = await rev.post(`/flags/${fx}/reveal`, {
          record: 'R-X',
          field: 'holder_name',
          reason: XSS,
        });
        for (const body of [queue.body, page.body, revealed.body]) {
          expect(body).not.toContain(XSS);
          expect(body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
        }
        expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
      });

      it('treats SQL in filters as plain values and ignores unknown sort columns', async () => {
        const rev = await signedIn('rev');
        const attacks = [
          `/flags?rule=${encodeURIComponent("' OR 1=1 --")}`,
          `/flags?channel=${encodeURIComponent("x'; DROP TABLE flags; --")}`,
          `/flags?branch=${encodeURIComponent("' UNION SELECT password_hash FROM console_users --")}`,
          `/flags?sort=${encodeURIComponent('flag_id; DROP TABLE flags')}&dir=${encodeURIComponent('desc; --')}`,
          `/flags?status=${encodeURIComponent("open' OR '1'='1")}&page=${encodeURIComponent('1 OR 1=1')}`,
        ];
        const results = [];
        for (const a of attacks) results.push(await rev.get(a));
        for (const r of results) expect(r.status).toBe(200);
        expect(results[0]!.body).toContain('共 0 条');
        expect(results[1]!.body).toContain('共 0 条');
        expect(results[2]!.body).not.toContain('scrypt$');
        expect(results[3]!.body).toContain('共 3 条');
        expect(results[4]!.body).toContain('共 3 条');
        const count = await storage.db
          .selectFrom('flags')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        expect(Number(count.n)).toBe(3);
        expect((await rev.get('/flags/1%20OR%201=1')).status).toBe(404);
      });
    });

    describe('review workflow', () => {
      it('takes a flag from listed to verified through core, with history and audit trail by account', async () => {
        const rev = await signedIn('rev');
        const queue = await rev.get('/flags');
        expect(queue.body).toContain('逾期 1 个工作日'); // due Friday 11-20, today Monday 11-23
        expect(queue.body).toContain('今日到期');
        expect(queue.body).toContain('按期（剩 2 个工作日）');
        await rev.get(`/flags/${ids.a1}`);
        const bad = await rev.post(`/flags/${ids.a1}/assign`, { to: 'inv_b' });
        expect(bad.status).toBe(400);
        expect((await rev.post(`/flags/${ids.a1}/assign`, { to: 'inv_a', note: '请核实' })).status).toBe(303);

        const inv = await signedIn('inv_a');
        const mine = await inv.get('/flags?assignee=inv_a');
        expect(mine.body).toContain(`href="/flags/${ids.a1}"`);
        await inv.get(`/flags/${ids.a1}`);
        const before = await customerRow('R-A1');
        const noNote = await inv.post(`/flags/${ids.a1}/resolve`, { outcome: 'genuine', note: '' });
        expect(noNote.status).toBe(409);
        expect(noNote.body).toContain('必须填写说明');
        const res = await inv.post(`/flags/${ids.a1}/resolve`, {
          outcome: 'corrected',
          note: '客户来电更正手机号',
          field_1: 'holder_phone',
          value_1: '13912345678',
        });
        expect(res.status).toBe(303);
        expect(res.location).toBe(`/flags/${ids.a1}?done=done.resolved`);
        // Resolved is not verified: the record is unchanged, the page shows the held values masked.
        expect(await customerRow('R-A1')).toEqual(before);
        expect((await flagRow(ids.a1)).pending_correction).not.toBeNull();
        const pending = await inv.get(`/flags/${ids.a1}`);
        expect(pending.body).toContain('待复核的更正（已脱敏）');
        expect(pending.body).toContain('139****5678');
        expect(pending.body).not.toContain('13912345678');

        const sup = await signedIn('sup');
        await sup.get(`/flags/${ids.a1}`);
        expect((await sup.post(`/flags/${ids.a1}/send-back`, { note: '' })).status).toBe(409);
        expect((await sup.post(`/flags/${ids.a1}/send-back`, { note: '证据不足' })).status).toBe(303);
        expect(await flagRow(ids.a1)).toMatchObject({ status: 'assigned', pending_correction: null });
        // Sent back: the correction is discarded and never reached the record.
        expect(await customerRow('R-A1')).toEqual(before);
        expect((await sup.get(`/flags/${ids.a1}`)).body).not.toContain('待复核的更正');
        await inv.get(`/flags/${ids.a1}`);
        await inv.post(`/flags/${ids.a1}/resolve`, {
          outcome: 'genuine',
          note: '已补充证据：客户身份证复印件',
        });
        await sup.get(`/flags/${ids.a1}`);
        const verified = await sup.post(`/flags/${ids.a1}/verify`, { note: '同意' });
        expect(verified.status).toBe(303);
        const page = await sup.get(verified.location!);
        expect(page.body).toContain('已复核通过，问题件关闭。');
        const flag = await flagRow(ids.a1);
        expect(flag.status).toBe('closed');
        expect(flag.outcome).toBe('genuine');

        const history = await storage.db
          .selectFrom('flag_events')
          .select(['actor', 'action'])
          .where('flag_id', '=', ids.a1)
          .orderBy('event_id')
          .execute();
        expect(history).toEqual([
          { actor: 'ingest', action: 'raised' },
          { actor: 'rev', action: 'assigned' },
          { actor: 'inv_a', action: 'resolved' },
          { actor: 'sup', action: 'sent_back' },
          { actor: 'inv_a', action: 'resolved' },
          { actor: 'sup', action: 'verified' },
        ]);
        const trail = await storage.db
          .selectFrom('audit_trail')
          .select(['actor', 'action'])
          .where('target_type', '=', 'flag')
          .where('target_id', '=', String(ids.a1))
          .where('action', 'like', 'flag.%')
          .orderBy('seq')
          .execute();
        expect(trail.map((t) => `${t.actor}:${t.action}`)).toEqual([
          'rev:flag.assigned',
          'inv_a:flag.resolved',
          'sup:flag.sent_back',
          'inv_a:flag.resolved',
          'sup:flag.verified',
        ]);
        expect((await verifyAuditTrail(storage.db)).ok).toBe(true);
      });

      it('enforces four eyes for an account that both records and verifies', async () => {
        await seedAccounts(ctx, [{ username: 'both', roles: ['reviewer', 'supervisor'] }]);
        const both = await signedIn('both');
        await both.get(`/flags/${ids.a2}`);
        expect(
          (await both.post(`/flags/${ids.a2}/resolve`, { outcome: 'dismissed', note: '规则误报' })).status,
        ).toBe(303);
        await both.get(`/flags/${ids.a2}`);
        const res = await both.post(`/flags/${ids.a2}/verify`, {});
        expect(res.status).toBe(409);
        expect(res.body).toContain('双人复核');
        expect((await flagRow(ids.a2)).status).toBe('resolved');
      });
    });

    describe('correction', () => {
      it('writes a corrected value to the record only when a supervisor verifies it', async () => {
        const before = await customerRow('R-A1');
        const inv = await signedIn('inv_a');
        await inv.get(`/flags/${ids.a2}`);
        const bad = await inv.post(`/flags/${ids.a2}/resolve`, {
          outcome: 'corrected',
          note: '更正手机号',
          field_1: 'holder_phone',
          value_1: '12',
        });
        // Still checked at resolve: the investigator hears of a bad value at once.
        expect(bad.status).toBe(409);
        expect(bad.body).toContain('更正值无效');
        expect((await flagRow(ids.a2)).status).toBe('open');
        await inv.get(`/flags/${ids.a2}`);
        const res = await inv.post(`/flags/${ids.a2}/resolve`, {
          outcome: 'corrected',
          note: '客户来电更正手机号',
          field_1: 'holder_phone',
          value_1: '13912345678',
        });
        expect(res.status).toBe(303);
        expect(await customerRow('R-A1')).toEqual(before);

        const sup = await signedIn('sup');
        const page = await sup.get(`/flags/${ids.a2}?lang=en`);
        expect(page.body).toContain('Correction awaiting verification (masked)');
        expect(page.body).toContain('139****5678');
        const verified = await sup.post(`/flags/${ids.a2}/verify`, { note: '同意' });
        expect(verified.status).toBe(303);
        expect(await flagRow(ids.a2)).toMatchObject({
          status: 'closed',
          outcome: 'corrected',
          pending_correction: null,
        });
        const after = await customerRow('R-A1');
        expect(after.holder_phone_masked).toBe('139****5678');
        expect(decryptJson<Record<string, string>>(ctx.keyring, after.pii).holder_phone).toBe('13912345678');
        expect(after.holder_phone_bidx).not.toEqual(before.holder_phone_bidx);
        const events = await storage.db
          .selectFrom('flag_events')
          .select(['action', 'detail'])
          .where('flag_id', '=', ids.a2)
          .orderBy('event_id')
          .execute();
        expect(events.slice(1)).toMatchObject([
          {
            action: 'resolved',
            detail: { correction: 'pending_verification', corrected: { holder_phone: '139****5678' } },
          },
          {
            action: 'verified',
            detail: { correction: 'applied', corrected: { holder_phone: '139****5678' } },
          },
        ]);
        expect(JSON.stringify(events)).not.toContain('13912345678');
      });
    });

    describe('reveal', () => {
      it('shows a clear value after a stated reason and writes it to the audit trail', async () => {
        const rev = await signedIn('rev');
        await rev.get(`/flags/${ids.a1}`);
        const noReason = await rev.post(`/flags/${ids.a1}/reveal`, {
          record: 'R-B1',
          field: 'holder_id_number',
          reason: ' ',
        });
        expect(noReason.status).toBe(400);
        expect(noReason.body).not.toContain('110105194912310029');
        const res = await rev.post(`/flags/${ids.a1}/reveal`, {
          record: 'R-B1',
          field: 'holder_id_number',
          reason: '核对重复手机号客户身份',
        });
        expect(res.status).toBe(200);
        expect(res.body).toContain('110105194912310029');
        expect(res.headers.get('cache-control')).toBe('no-store');
        const entries = await storage.db
          .selectFrom('audit_trail')
          .selectAll()
          .where('action', '=', 'reveal')
          .execute();
        expect(entries).toHaveLength(1);
        expect(entries[0]).toMatchObject({ actor: 'rev', target_type: 'customer', target_id: 'R-B1' });
        expect(entries[0]!.detail).toMatchObject({
          field: 'holder_id_number',
          reason: '核对重复手机号客户身份',
        });
        expect(JSON.stringify(entries[0]!.detail)).not.toContain('110105194912310029');
        // A record outside the flag's group cannot be revealed through it.
        await seedCustomer(ctx, { recordId: 'R-Z', channel: CH_A });
        await rev.get(`/flags/${ids.a2}`);
        expect(
          (await rev.post(`/flags/${ids.a2}/reveal`, { record: 'R-Z', field: 'holder_name', reason: '试试' }))
            .status,
        ).toBe(400);
        const inv = await signedIn('inv_a');
        await inv.get(`/flags/${ids.a1}`);
        expect(
          (
            await inv.post(`/flags/${ids.a1}/reveal`, {
              record: 'R-A1',
              field: 'holder_name',
              reason: '想看',
            })
          ).status,
        ).toBe(403);
      });
    });

    describe('manager, auditor and admin pages', () => {
      it('shows managers counts and charts without personal data, and serves listed reports only', async () => {
        mkdirSync(join(reportsDir, '2026-11-23'), { recursive: true });
        writeFileSync(join(reportsDir, '2026-11-23', 'problem-list.xlsx'), 'PK fake workbook');
        writeFileSync(
          join(reportsDir, 'manifest.json'),
          JSON.stringify({
            format: 'custodian-reports-manifest-1',
            files: [
              {
                path: '2026-11-23/problem-list.xlsx',
                kind: 'problem-list',
                period: '2026-11-23',
                lang: 'zh',
                format: 'xlsx',
                bytes: 16,
                sha256: 'x',
                generatedAt: '2026-11-23T07:30:00+08:00',
              },
            ],
          }),
        );
        // Closing happens at the database's clock: a due date far ahead keeps "closed on time" true whenever this runs.
        await storage.db
          .updateTable('flags')
          .set({ due_on: '2099-12-31' })
          .where('flag_id', '=', ids.a2)
          .execute();
        const rev = await signedIn('rev');
        await rev.get(`/flags/${ids.a2}`);
        await rev.post(`/flags/${ids.a2}/resolve`, { outcome: 'dismissed', note: '误报' });
        const sup = await signedIn('sup');
        await sup.get(`/flags/${ids.a2}`);
        await sup.post(`/flags/${ids.a2}/verify`, {});

        const mgr = await signedIn('mgr');
        const dash = await mgr.get('/dashboard');
        expect(dash.status).toBe(200);
        expect(dash.body).toMatch(/<span class="n" id="open-count">2<\/span>/);
        expect(dash.body).toContain('<svg class="chart"');
        expect(dash.body).toContain(CH_A);
        expect(dash.body).toContain('100.0%'); // the one closed flag was closed on its due date
        for (const personal of ['R-A1', 'R-B1', '张*', '138****8000', '手机号与其他客户相同'])
          expect(dash.body).not.toContain(personal);
        expect(dash.body).toContain('problem-list · 2026-11-23 · zh');
        const file = await mgr.get('/reports/download?file=2026-11-23%2Fproblem-list.xlsx');
        expect(file.status).toBe(200);
        expect(file.body).toBe('PK fake workbook');
        expect(file.headers.get('content-disposition')).toContain('attachment');
        for (const bad of [
          '../../etc/passwd',
          '2026-11-23/../manifest.json',
          'manifest.json',
          '/etc/passwd',
        ]) {
          expect((await mgr.get(`/reports/download?file=${encodeURIComponent(bad)}`)).status).toBe(404);
        }
        const audit = await storage.db
          .selectFrom('audit_trail')
          .select(['actor', 'target_id'])
          .where('action', '=', 'report.download')
          .execute();
        expect(audit).toEqual([{ actor: 'mgr', target_id: '2026-11-23/problem-list.xlsx' }]);
      });

      it('lets an auditor dispose of an anomaly, recorded in its history and the audit trail', async () => {
        const a = await storage.db
          .insertInto('anomalies')
          .values({
            group_key: 'OP9|BULK_EXPORT|2026-11-20',
            code: 'BULK_EXPORT',
            severity: 'error',
            operator_id: 'OP9',
            day: '2026-11-20',
            first_ts: '2026-11-20T02:00:00Z',
            last_ts: '2026-11-20T02:05:00Z',
            event_count: 1,
            archive_nos: [],
            score: 9.5,
            reason_zh: `导出 5000 条 ${XSS}`,
            reason_en: 'exported 5000 records',
            status: 'open',
          })
          .returning('anomaly_id')
          .executeTakeFirstOrThrow();
        const aud = await signedIn('aud');
        const list = await aud.get('/anomalies');
        expect(list.body).toContain('BULK_EXPORT');
        expect(list.body).not.toContain(XSS);
        await aud.get(`/anomalies/${a.anomaly_id}`);
        expect(
          (await aud.post(`/anomalies/${a.anomaly_id}/resolve`, { disposition: 'waived', note: '临时' }))
            .status,
        ).toBe(400);
        const res = await aud.post(`/anomalies/${a.anomaly_id}/resolve`, {
          disposition: 'confirmed',
          note: '已约谈',
        });
        expect(res.status).toBe(303);
        const row = await storage.db
          .selectFrom('anomalies')
          .select('status')
          .where('anomaly_id', '=', a.anomaly_id)
          .executeTakeFirstOrThrow();
        expect(row.status).toBe('confirmed');
        const trail = await storage.db
          .selectFrom('audit_trail')
          .select(['actor', 'action'])
          .where('target_type', '=', 'anomaly')
          .execute();
        expect(trail).toEqual([{ actor: 'aud', action: 'anomaly.confirmed' }]);
        // The auditor's flow: a disposition can be revised; a false positive suppresses repeats.
        await aud.get(`/anomalies/${a.anomaly_id}`);
        const revised = await aud.post(`/anomalies/${a.anomaly_id}/resolve`, {
          disposition: 'false_positive',
          note: '系统误报',
        });
        expect(revised.status).toBe(303);
        const events = await storage.db
          .selectFrom('anomaly_events')
          .select(['actor', 'action'])
          .where('anomaly_id', '=', a.anomaly_id)
          .orderBy('event_id')
          .execute();
        expect(events).toEqual([
          { actor: 'aud', action: 'confirmed' },
          { actor: 'aud', action: 'false_positive' },
        ]);
        const suppressions = await storage.db
          .selectFrom('anomaly_suppressions')
          .select(['operator_id', 'kind'])
          .execute();
        expect(suppressions).toEqual([{ operator_id: 'OP9', kind: 'false_positive' }]);
        const page = await aud.get(`/anomalies/${a.anomaly_id}`);
        expect(page.body).toContain('误报');
        expect(page.body).toContain('系统误报');
      });

      it('lets an admin create an account with a one-time password and manage it, never showing customer data', async () => {
        const adm = await signedIn('adm');
        const users = await adm.get('/admin/users');
        expect(users.body).not.toContain('R-A1');
        const bad = await adm.post('/admin/users', {
          username: 'x',
          display_name: '',
          roles: ['investigator'],
        });
        expect(bad.status).toBe(400);
        expect(bad.body).toContain('调查员必须指定渠道');
        const created = await adm.post('/admin/users', {
          username: 'Inv_C',
          display_name: '王五',
          roles: ['investigator'],
          channel: CH_A,
        });
        expect(created.status).toBe(200);
        const oneTime = /id="one-time-password">([^<]+)</.exec(created.body)?.[1];
        expect(oneTime).toBeTruthy();
        const fresh = new TestClient(base);
        const login = await fresh.login('inv_c', oneTime!.replace(/&amp;/g, '&'));
        expect(login.location).toBe('/password');
        const row = await storage.db
          .selectFrom('console_users')
          .selectAll()
          .where('username', '=', 'inv_c')
          .executeTakeFirstOrThrow();
        expect(row).toMatchObject({
          roles: ['investigator'],
          channel: CH_A,
          must_change_password: true,
          created_by: 'adm',
        });
        expect(row.password_hash.startsWith('scrypt$')).toBe(true);

        await adm.get('/admin/users');
        const disable = await adm.post(`/admin/users/${row.user_id}`, { action: 'disable' });
        expect(disable.status).toBe(303);
        expect((await fresh.get('/password')).status).toBe(303);
        expect((await new TestClient(base).login('inv_c', oneTime!)).status).toBe(401);
        const self = await storage.db
          .selectFrom('console_users')
          .select('user_id')
          .where('username', '=', 'adm')
          .executeTakeFirstOrThrow();
        await adm.get('/admin/users');
        expect((await adm.post(`/admin/users/${self.user_id}`, { action: 'disable' })).status).toBe(400);
        const actions = await storage.db
          .selectFrom('audit_trail')
          .select(['actor', 'action', 'target_id'])
          .where('target_type', '=', 'account')
          .where('actor', '=', 'adm')
          .execute();
        expect(actions).toContainEqual({
          actor: 'adm',
          action: 'console.account_created',
          target_id: 'inv_c',
        });
        expect(actions).toContainEqual({
          actor: 'adm',
          action: 'console.account_updated',
          target_id: 'inv_c',
        });
      });
    });

    describe('interface', () => {
      it('speaks Chinese by default and English on request, remembered in a cookie', async () => {
        const rev = await signedIn('rev');
        expect((await rev.get('/flags')).body).toContain('<html lang="zh-CN">');
        const en = await rev.get('/flags?lang=en');
        expect(en.body).toContain('Review queue');
        expect((await rev.get('/flags')).body).toContain('<html lang="en">');
      });

      it('serves its stylesheet locally and nothing from elsewhere', async () => {
        const client = new TestClient(base);
        const css = await client.get('/static/console.css');
        expect(css.status).toBe(200);
        expect(css.headers.get('content-type')).toContain('text/css');
        expect((await client.get('/static/..%2Fserver.ts')).status).toBe(404);
        const login = await client.get('/login');
        expect(login.body).not.toMatch(/https?:\/\//);
      });

      it('pages and filters the queue', async () => {
        const c = await seedCustomer(ctx, { recordId: 'R-MANY', channel: CH_A });
        for (let i = 0; i < 60; i++)
          await seedFlag(ctx, {
            customerId: c,
            recordId: 'R-MANY',
            channel: CH_A,
            rule: 'AGENT_RECHECK',
            dueOn: '2026-12-01',
          });
        const rev = await signedIn('rev');
        const first = await rev.get('/flags?rule=AGENT_RECHECK');
        expect(first.body).toContain('共 60 条');
        expect(first.body).toContain('rel="next"');
        expect((first.body.match(/<tr>\s*<td><a href="\/flags\/\d+"/g) ?? []).length).toBe(50);
        const second = await rev.get('/flags?rule=AGENT_RECHECK&page=2');
        expect((second.body.match(/<tr>\s*<td><a href="\/flags\/\d+"/g) ?? []).length).toBe(10);
        expect(second.body).not.toContain('rel="next"');
        const overdue = await rev.get('/flags?due=overdue');
        expect(overdue.body).toContain('共 1 条');
        const bySeverity = await rev.get('/flags?sort=severity');
        expect(bySeverity.body.indexOf(`href="/flags/${ids.a2}"`)).toBeLessThan(
          bySeverity.body.indexOf(`href="/flags/${ids.a1}"`),
        );
        const count = await sql<{ n: number }>`select count(*) as n from flags`.execute(storage.db);
        expect(Number(count.rows[0]!.n)).toBe(63);
      });
    });
  });
}
