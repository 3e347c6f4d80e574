import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CustodianContext, Storage } from '@custodian/core';
import { testBackends } from '@custodian/core/testing';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../server.js';
import {
  openTestContext,
  seedAccounts,
  seedCustomer,
  seedFlag,
  TEST_COST,
  TEST_PASSWORD,
} from '../testing/fixtures.js';

/**
 * The console as a person uses it, in headless Chromium (Debian's package): sign in, work a flag
 * from listed to verified across three people, and check that an investigator of one channel gets
 * nothing of another channel, even by typing its URL. Without Chromium the file fails in CI
 * (CI=true) and is skipped with a message on a developer's machine.
 */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const available = existsSync(CHROMIUM);
/** Pages of a busy CI machine can take seconds: poll patiently rather than fail on the first slow load. */
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 100 });
const inCi = process.env.CI === 'true' || process.env.CI === '1';
const XSS = '<script>alert(1)</script>';
const CH_A = '个险渠道';
const CH_B = '银保渠道';

if (!available && inCi) {
  describe('end-to-end (Chromium)', () => {
    it(`needs Chromium at ${CHROMIUM}`, () => {
      throw new Error(
        `Chromium is not installed at ${CHROMIUM}: apt-get install -y chromium (CI must install it)`,
      );
    });
  });
} else if (!available) {
  console.warn(
    `console e2e tests skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium to run them)`,
  );
  describe.skip('end-to-end (Chromium): skipped, Chromium not installed', () => {
    it('needs Chromium', () => undefined);
  });
} else {
  describe('end-to-end (Chromium)', () => {
    let storage: Storage;
    let ctx: CustodianContext;
    let server: Server;
    let base: string;
    let browser: BrowserContext;
    let userDataDir: string;
    const shots = join(tmpdir(), 'custodian-console-e2e');
    const dialogs: string[] = [];
    const ids = { a1: 0, b1: 0, a2: 0 };

    beforeAll(async () => {
      const pglite = testBackends().find((b) => b.name === 'pglite')!;
      storage = await pglite.open();
      ctx = await openTestContext(storage);
      await seedAccounts(ctx, [
        { username: 'rev', roles: ['reviewer'] },
        { username: 'inv_a', roles: ['investigator'], channel: CH_A },
        { username: 'inv_b', roles: ['investigator'], channel: CH_B },
        { username: 'sup', roles: ['supervisor'] },
        { username: 'newbie', roles: ['reviewer'], mustChange: true },
      ]);
      const ca = await seedCustomer(ctx, { recordId: 'R-A1', channel: CH_A });
      const cb = await seedCustomer(ctx, { recordId: 'R-B1', channel: CH_B, name: '李四' });
      await storage.db
        .updateTable('customers')
        .set({ holder_name_masked: XSS })
        .where('customer_id', '=', ca)
        .execute();
      ids.a1 = await seedFlag(ctx, {
        customerId: ca,
        recordId: 'R-A1',
        channel: CH_A,
        reasonZh: `手机号与其他客户相同 ${XSS}`,
      });
      ids.b1 = await seedFlag(ctx, { customerId: cb, recordId: 'R-B1', channel: CH_B });
      server = createServer(ctx, { scryptCost: TEST_COST });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      userDataDir = mkdtempSync(join(tmpdir(), 'console-chromium-'));
      mkdirSync(shots, { recursive: true });
      browser = await chromium.launchPersistentContext(userDataDir, {
        executablePath: CHROMIUM,
        args: CHROMIUM_ARGS,
        headless: true,
        viewport: { width: 1280, height: 900 },
      });
      // A step that cannot happen fails with its locator well before the test's own timeout.
      browser.setDefaultTimeout(15_000);
      browser.setDefaultNavigationTimeout(15_000);
    });

    afterAll(async () => {
      await browser?.close();
      await new Promise((resolve) => server?.close(resolve));
      await storage?.close();
      if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    });

    async function signIn(username: string, password = TEST_PASSWORD): Promise<Page> {
      await browser.clearCookies();
      const page = await browser.newPage();
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      await page.goto(`${base}/flags`);
      await poll(() => new URL(page.url()).pathname).toBe('/login');
      await page.getByLabel('用户名').fill(username);
      await page.getByLabel('密码').fill(password);
      await page.getByRole('button', { name: '登录' }).click();
      await page.waitForLoadState('domcontentloaded');
      return page;
    }

    async function signOut(page: Page): Promise<void> {
      await page.getByRole('button', { name: '退出' }).click();
      await poll(() => page.url()).toContain('/login?bye=1');
      // Headless Chromium sometimes holds page.close() for minutes after a navigation; the page
      // is done with, so do not wait for it (the context is closed after the tests).
      await Promise.race([page.close(), new Promise((resolve) => setTimeout(resolve, 3000))]);
    }

    it('works a flag from listed to verified: reviewer assigns, investigator resolves, supervisor verifies', async () => {
      const rev = await signIn('rev');
      expect(new URL(rev.url()).pathname).toBe('/flags');
      await poll(() => rev.locator('h1').textContent()).toBe('问题件队列');
      expect(await rev.locator('table.queue tbody tr').count()).toBe(2);
      await rev.screenshot({ path: join(shots, '1-queue.png'), fullPage: true });
      await rev.locator(`a[href="/flags/${ids.a1}"]`).click();
      await poll(() => rev.locator('h1').textContent()).toBe(`问题件 #${ids.a1}`);
      // A name like <script>…</script> is shown as text and runs nothing.
      expect(await rev.locator('table.records').textContent()).toContain(XSS);
      expect(await rev.locator('p.reason').first().textContent()).toContain(XSS);
      await rev.getByLabel('分派给').selectOption('inv_a');
      await rev.getByRole('button', { name: '分派' }).click();
      await poll(() => rev.locator('p.notice').textContent()).toBe('已分派。');
      await rev.screenshot({ path: join(shots, '2-flag-assigned.png'), fullPage: true });
      await signOut(rev);

      const inv = await signIn('inv_a');
      expect(await inv.locator('table.queue tbody tr').count()).toBe(1);
      await inv.getByRole('link', { name: '分派给我的' }).click();
      await inv.locator(`a[href="/flags/${ids.a1}"]`).click();
      await inv.getByLabel('核实无误').check();
      await inv
        .getByLabel('说明（必填：调查经过、证据）')
        .fill('已联系客户，手机号为本人实名办理，提供身份证复印件。');
      await inv.getByRole('button', { name: '录入处理结果' }).click();
      await poll(() => inv.locator('p.notice').textContent()).toBe('处理结果已录入，等待合规复核。');
      await signOut(inv);

      const sup = await signIn('sup');
      await sup.getByRole('link', { name: '待复核' }).click();
      expect(await sup.locator('table.queue tbody tr').count()).toBe(1);
      await sup.locator(`a[href="/flags/${ids.a1}"]`).click();
      await sup.getByLabel('复核意见（可选）').fill('证据充分');
      await sup.getByRole('button', { name: '复核通过并关闭' }).click();
      await poll(() => sup.locator('p.notice').textContent()).toBe('已复核通过，问题件关闭。');
      const facts = await sup.locator('dl.facts').textContent();
      expect(facts).toContain('已关闭');
      expect(facts).toContain('核实无误');
      const history = await sup.locator('table.history').textContent();
      for (const step of ['rev', 'inv_a', 'sup', '分派', '录入处理结果', '复核通过'])
        expect(history).toContain(step);
      await sup.screenshot({ path: join(shots, '3-flag-verified.png'), fullPage: true });
      await signOut(sup);

      const flag = await storage.db
        .selectFrom('flags')
        .selectAll()
        .where('flag_id', '=', ids.a1)
        .executeTakeFirstOrThrow();
      expect(flag).toMatchObject({ status: 'closed', outcome: 'genuine', resolved_by: 'inv_a' });
      expect(dialogs).toEqual([]);
    }, 120_000);

    it('gives an investigator nothing of another channel, even by typing its URL', async () => {
      const inv = await signIn('inv_b');
      const rows = await inv.locator('table.queue tbody').textContent();
      expect(rows).toContain('R-B1');
      expect(rows).not.toContain('R-A1');
      await inv.goto(`${base}/flags?channel=${encodeURIComponent(CH_A)}&status=all`);
      expect(await inv.locator('main').textContent()).not.toContain('R-A1');
      const res = await inv.goto(`${base}/flags/${ids.a1}`);
      expect(res?.status()).toBe(404);
      const text = await inv.locator('main').textContent();
      expect(text).toContain('页面或记录不存在');
      expect(text).not.toContain('R-A1');
      await inv.screenshot({ path: join(shots, '4-other-channel.png'), fullPage: true });
      await signOut(inv);
    }, 60_000);

    it('makes a new account change its password at first sign-in, and switches to English', async () => {
      const page = await signIn('newbie');
      expect(new URL(page.url()).pathname).toBe('/password');
      expect(await page.locator('p.notice').textContent()).toContain('首次登录');
      await page.getByLabel('当前密码').fill(TEST_PASSWORD);
      await page.getByLabel('新密码', { exact: true }).fill('Fresh-Start-2026');
      await page.getByLabel('确认新密码').fill('Fresh-Start-2026');
      await page.getByRole('button', { name: '修改密码' }).click();
      await poll(() => new URL(page.url()).pathname).toBe('/flags');
      await page.getByRole('link', { name: 'English' }).click();
      await poll(() => page.locator('h1').textContent()).toBe('Review queue');
      await page.screenshot({ path: join(shots, '5-english.png'), fullPage: true });
      await page.goto(`${base}/flags`);
      expect(await page.locator('h1').textContent()).toBe('Review queue');
      await page.close();
    }, 60_000);
  });
}
