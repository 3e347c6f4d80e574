import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CustodianContext, Storage } from '@custodian/core';
import { clearTables, testBackends, useTestStorage } from '@custodian/core/testing';
import { writeSampleFiles } from '@custodian/sample-data';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { runIngest } from '../run-ingest.js';
import { openTestContext, tempDir } from '../testing/fixtures.js';

/** A value holding every separator but quotes: it must stay one cell whichever the file's. */
const MIXED = '总部,一部;二部|三部';

/** `rows` written separated by `d`, each field quoted as CSV is only when it holds `d`, a quote or a line break. */
function separated(rows: string[][], d: string): string {
  const cell = (v: string) => (v.includes(d) || /["\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  return `${rows.map((r) => r.map(cell).join(d)).join('\r\n')}\r\n`;
}

for (const backend of testBackends()) {
  describe(`semicolon- and pipe-separated files on ${backend.name}`, () => {
    let storage: Storage;
    let ctx: CustodianContext;
    let dir: string;
    useTestStorage(backend, (s) => {
      storage = s;
      dir = tempDir();
    });

    /** What a night of the three files left: records, findings, agents and complaints. */
    async function night(files: { customers: string; agents: string; complaints: string }) {
      await clearTables(storage);
      ctx = await openTestContext(storage, dir);
      const s = (await runIngest(ctx, {
        files: [files.customers],
        agentsFile: files.agents,
        complaintsFile: files.complaints,
        date: '2026-11-20',
        workers: 0,
      }))!;
      const db = storage.db;
      return {
        files: s.files.map((f) => [f.status, f.message, f.rowsRead, f.rowsQuarantined]),
        masterData: s.masterData.map((m) => [m.kind, m.status, m.message, m.loaded, m.rejected.length]),
        customers: await db
          .selectFrom('customers')
          .select([
            'record_id',
            'archive_no',
            'branch',
            'channel',
            'agent_id',
            'holder_birth_date',
            'holder_name_masked',
            'holder_id_masked',
            'holder_phone_masked',
            'holder_address_masked',
            'bank_account_masked',
          ])
          .orderBy('record_id')
          .execute(),
        flags: await db
          .selectFrom('flags')
          .select(['record_id', 'rule', 'fingerprint', 'reason_en', 'branch'])
          .orderBy('record_id')
          .orderBy('rule')
          .orderBy('fingerprint')
          .execute(),
        agents: await db
          .selectFrom('agents')
          .select(['agent_id', 'name_masked', 'branch', 'channel', 'status', 'hired_on'])
          .orderBy('agent_id')
          .execute(),
        complaints: await db.selectFrom('complaints').selectAll().orderBy('complaint_id').execute(),
      };
    }

    it('ingests the same records, findings, agents and complaints as the comma file, a value holding the other separators whole', async () => {
      const gen = join(dir, 'generated');
      const sample = await writeSampleFiles(gen, {
        customers: 300,
        seed: 11,
        defectRate: 0.2,
        batchDate: '2026-11-20',
        signDateFrom: '2025-11-01',
        signDateTo: '2026-11-01',
        headers: 'zh',
        workers: 0,
      });
      const read = (file: string) => parse(readFileSync(file)) as string[][];
      const customers = read(sample.customersFile);
      const agents = read(sample.agentsFile);
      const complaints = read(sample.complaintsFile);
      // A branch (stored in clear) holding the comma, the semicolon and the pipe, in each file.
      const branchOf = (rows: string[][], names: string[]) => rows[0]!.findIndex((h) => names.includes(h));
      customers[1]![branchOf(customers, ['分支机构', 'branch'])] = MIXED;
      agents[1]![branchOf(agents, ['机构', 'branch'])] = MIXED;
      complaints[1]![branchOf(complaints, ['category'])] = MIXED;

      const nights = [];
      for (const [name, d] of [
        ['comma', ','],
        ['semicolon', ';'],
        ['pipe', '|'],
      ] as const) {
        const sub = join(dir, name);
        mkdirSync(sub, { recursive: true });
        const files = {
          customers: join(sub, 'customers.csv'),
          agents: join(sub, 'agents.csv'),
          complaints: join(sub, 'complaints.csv'),
        };
        writeFileSync(files.customers, separated(customers, d));
        writeFileSync(files.agents, separated(agents, d));
        writeFileSync(files.complaints, separated(complaints, d));
        nights.push(await night(files));
      }
      const [comma, semicolon, pipe] = nights;
      expect(comma!.files).toEqual([['done', undefined, 300, expect.any(Number)]]);
      expect(comma!.masterData).toEqual([
        ['agents', 'done', undefined, agents.length - 1, 0],
        ['complaints', 'done', undefined, complaints.length - 1, 0],
      ]);
      expect(comma!.customers).toHaveLength(300);
      expect(comma!.flags.length).toBeGreaterThan(30);
      expect(new Set(comma!.flags.map((f) => f.rule)).size).toBeGreaterThan(5);
      expect(comma!.customers.filter((c) => c.branch === MIXED)).toHaveLength(1);
      expect(comma!.agents.filter((a) => a.branch === MIXED)).toHaveLength(1);
      expect(comma!.complaints.filter((c) => c.category === MIXED)).toHaveLength(1);
      expect(semicolon).toEqual(comma);
      expect(pipe).toEqual(comma);
    });
  });
}
