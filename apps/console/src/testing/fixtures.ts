import { createHash } from 'node:crypto';
import {
  type CustodianContext,
  encryptJson,
  loadConfig,
  maskAddress,
  maskBankAccount,
  maskIdNumber,
  maskName,
  maskPhone,
  openCustodian,
  type Storage,
} from '@custodian/core';
import { createAccount } from '../auth/accounts.js';
import type { ScryptCost } from '../auth/passwords.js';

/**
 * Test data for the console's integration and end-to-end tests: a context over a test storage,
 * accounts of every role, customers (encrypted like the archive) and flags, inserted with kysely.
 */
export const TEST_MASTER_KEYS = `test1:${Buffer.alloc(32, 7).toString('base64')}`;
/** Cheap scrypt for test accounts (the stored parameters make verification use the same). */
export const TEST_COST: ScryptCost = { N: 2 ** 10, r: 8, p: 1 };
export const TEST_PASSWORD = 'Test-Passw0rd!';

export async function openTestContext(
  storage: Storage,
  overrides: Record<string, unknown> = {},
): Promise<CustodianContext> {
  const config = loadConfig({
    env: {},
    file: false,
    overrides: { masterKeys: TEST_MASTER_KEYS, dataDir: '/nonexistent-test-data-dir', ...overrides },
  });
  return openCustodian(config, { storage });
}

export interface TestAccount {
  username: string;
  roles: string[];
  channel?: string;
  mustChange?: boolean;
}

export const STANDARD_ACCOUNTS: TestAccount[] = [
  { username: 'rev', roles: ['reviewer'] },
  { username: 'inv_a', roles: ['investigator'], channel: '个险渠道' },
  { username: 'inv_b', roles: ['investigator'], channel: '银保渠道' },
  { username: 'sup', roles: ['supervisor'] },
  { username: 'mgr', roles: ['manager'] },
  { username: 'aud', roles: ['auditor'] },
  { username: 'adm', roles: ['admin'] },
];

export async function seedAccounts(
  ctx: CustodianContext,
  accounts: TestAccount[] = STANDARD_ACCOUNTS,
): Promise<void> {
  for (const a of accounts) {
    const r = await createAccount(ctx.storage.db, {
      username: a.username,
      displayName: `${a.username} 测试`,
      roles: a.roles,
      channel: a.channel ?? null,
      password: TEST_PASSWORD,
      mustChangePassword: a.mustChange ?? false,
      createdBy: 'test',
      cost: TEST_COST,
    });
    if (!r.ok) throw new Error(`seed account ${a.username}: ${r.problems.join(', ')}`);
  }
}

export interface CustomerSeed {
  recordId: string;
  channel: string | null;
  branch?: string;
  agentId?: string;
  name?: string;
  idNumber?: string;
  phone?: string;
  address?: string;
  bankAccount?: string;
}

/** A customer row as the ingest stores it: personal fields only encrypted, masked copies for display. */
export async function seedCustomer(ctx: CustodianContext, c: CustomerSeed): Promise<number> {
  const name = c.name ?? '张三';
  const id = c.idNumber ?? '11010519491231002X';
  const phone = c.phone ?? '13800138000';
  const address = c.address ?? '北京市朝阳区建国路1号';
  const bank = c.bankAccount ?? '6222020200112233445';
  const pii = {
    holder_name: name,
    holder_id_number: id,
    holder_phone: phone,
    holder_address: address,
    bank_account: bank,
  };
  const row = await ctx.storage.db
    .insertInto('customers')
    .values({
      record_id: c.recordId,
      archive_no: `A-${c.recordId}`,
      channel: c.channel,
      branch: c.branch ?? '北京分公司',
      agent_id: c.agentId ?? 'AG001',
      holder_gender: '女',
      holder_birth_date: '1949-12-31',
      holder_id_type: '居民身份证',
      secrecy_level: '普通',
      sign_date: '2026-11-01',
      consent: '是',
      pii: encryptJson(ctx.keyring, pii),
      holder_name_masked: maskName(name),
      holder_id_masked: maskIdNumber(id),
      holder_phone_masked: maskPhone(phone),
      holder_address_masked: maskAddress(address),
      bank_account_masked: maskBankAccount(bank),
      row_hash: createHash('sha256').update(c.recordId).digest(),
      first_batch_id: 1,
      last_batch_id: 1,
    })
    .returning('customer_id')
    .executeTakeFirstOrThrow();
  return row.customer_id;
}

export interface FlagSeed {
  customerId: number;
  recordId: string;
  channel: string | null;
  rule?: string;
  severity?: 'error' | 'warning' | 'info';
  branch?: string;
  related?: string[];
  reasonZh?: string;
  reasonEn?: string;
  status?: 'open' | 'assigned' | 'resolved' | 'closed';
  listedOn?: string;
  dueOn?: string;
}

export async function seedFlag(ctx: CustodianContext, f: FlagSeed): Promise<number> {
  const db = ctx.storage.db;
  const row = await db
    .insertInto('flags')
    .values({
      fingerprint: `${f.recordId}:${f.rule ?? 'DUP_PHONE'}:${Math.random()}`,
      rule: f.rule ?? 'DUP_PHONE',
      severity: f.severity ?? 'warning',
      customer_id: f.customerId,
      record_id: f.recordId,
      archive_no: `A-${f.recordId}`,
      batch_id: 1,
      related_record_ids: f.related ?? [],
      reason_zh: f.reasonZh ?? '手机号与其他客户相同',
      reason_en: f.reasonEn ?? 'phone shared with another customer',
      status: f.status ?? 'open',
      channel: f.channel,
      branch: f.branch ?? '北京分公司',
      agent_id: 'AG001',
      listed_on: f.listedOn ?? '2026-11-20',
      due_on: f.dueOn ?? '2026-11-25',
    })
    .returning('flag_id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('flag_events')
    .values({
      flag_id: row.flag_id,
      actor: 'ingest',
      action: 'raised',
      detail: JSON.stringify({ batch_id: 1 }),
    })
    .execute();
  return row.flag_id;
}
