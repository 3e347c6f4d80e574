import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CliOutput,
  type CustodianContext,
  loadConfig,
  openCustodian,
  type Storage,
} from '@custodian/core';
import { idCheckChar } from '@custodian/validators';
import type { CUSTOMER_FIELDS } from '../input/header-map.js';

/** Test support for the ingest: small hand-built files with known answers. */
export function tempDir(prefix = 'custodian-ingest-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A valid resident ID number for a birth date and sequence (odd sequence → male). */
export function makeId(birth: string, seq: number, region = '110105'): string {
  const body = `${region}${birth.replaceAll('-', '')}${String(seq).padStart(3, '0')}`;
  return body + idCheckChar(body);
}

export type Row = Partial<Record<(typeof CUSTOMER_FIELDS)[number], string>> & Record<string, string>;

let seq = 0;
/**
 * A clean customer: every mandatory field present and valid, unique phone, card and ID among
 * the next 400 rows (phone and card among the next 9,999: a test of more rows sets its own).
 */
export function cleanRow(recordId: string, over: Row = {}): Row {
  seq = (seq % 9_999) + 1;
  const n = String(seq).padStart(4, '0');
  return {
    record_id: recordId,
    archive_no: `A-${recordId}`,
    holder_name: '张三明',
    holder_gender: '男',
    holder_birth_date: '1980-05-06',
    holder_id_number: makeId('1980-05-06', (seq % 400) * 2 + 1),
    holder_phone: `1391234${n}`,
    holder_address: `北京市东城区东四大街${n}号`,
    bank_account: luhn(`62220212345${n}`),
    channel: '个险',
    branch: '北京分公司',
    agent_id: 'A001',
    sign_date: '2026-11-01',
    consent: '是',
    ...over,
  };
}

/** A row of agent master data (formats.md): a sales agent in service since 2020; `over` changes any field. */
export function agentRow(agentId: string, over: Row = {}): Row {
  return {
    agent_id: agentId,
    name: '王经理',
    phone: '13700001111',
    address: '北京市朝阳区某路1号',
    channel: '个险',
    branch: '北京分公司',
    status: '在职',
    hired_on: '2020-01-01',
    ...over,
  };
}

/** A verified mis-selling complaint (销售误导, the kind that counts for AGENT_RECHECK); `over` changes any field. */
export function complaintRow(complaintId: string, agentId: string, receivedOn: string, over: Row = {}): Row {
  return {
    complaint_id: complaintId,
    agent_id: agentId,
    received_on: receivedOn,
    category: '销售误导',
    verified: '是',
    ...over,
  };
}

/** Appends a Luhn check digit. */
export function luhn(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return body + String((10 - (sum % 10)) % 10);
}

function csvCell(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

export function writeCsv(dir: string, name: string, rows: Row[], columns?: string[]): string {
  const cols = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const lines = [cols.join(','), ...rows.map((r) => cols.map((c) => csvCell(r[c] ?? '')).join(','))];
  const file = join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/**
 * A context over `storage` with a test key; `overrides` is configuration (its `ingest` section
 * merged into the defaults below). The nightly job takes the inbox's files at once
 * (`ingest.inboxSettleSeconds` 0): tests write their files just before the run, and the tests of
 * that wait set it.
 */
/**
 * Sets a file's times `seconds` in the past: delivered earlier in the evening and untouched since,
 * so the nightly job takes it at once (it waits for a file modified less than
 * `ingest.inboxSettleSeconds` ago, 30 by default, as in a test that runs the real command line).
 */
export function backdate(file: string, seconds = 120): string {
  const t = new Date(Date.now() - seconds * 1000);
  utimesSync(file, t, t);
  return file;
}

export async function openTestContext(
  storage: Storage,
  dir: string,
  overrides: Record<string, unknown> = {},
): Promise<CustodianContext> {
  const { ingest, ...rest } = overrides;
  const config = loadConfig({
    env: {},
    file: false,
    overrides: {
      dataDir: dir,
      masterKeys: `t1:${Buffer.alloc(32, 9).toString('base64')}`,
      actor: 'test',
      ...rest,
      ingest: { inboxSettleSeconds: 0, ...(ingest as Record<string, unknown> | undefined) },
    },
  });
  return openCustodian(config, { storage });
}

/** What a command wrote, and its exit code. */
export { type Captured, runCli } from '@custodian/core/testing';

/** The columns the insurance profile requires of a customer file, record_id first. */
export const REQUIRED_HEADER = [
  'record_id',
  'holder_name',
  'holder_gender',
  'holder_birth_date',
  'holder_id_number',
  'holder_phone',
  'holder_address',
];

/**
 * A CliOutput that keeps what a command prints: human lines, notes and its `--json` results.
 * `onNote` sees each note as it comes (a test that acts on a log line).
 */
export function captureOutput(onNote: (line: string) => void = () => {}) {
  const said: string[] = [];
  const notes: string[] = [];
  const results: Record<string, unknown>[] = [];
  const out: CliOutput = {
    json: true,
    say: (l) => said.push(l),
    note: (l) => {
      notes.push(l);
      onNote(l);
    },
    progress() {},
    result: (o) => results.push(o as Record<string, unknown>),
  };
  return { out, said, notes, results };
}
