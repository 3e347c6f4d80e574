import { join } from 'node:path';
import type { CustodianContext, Storage } from '@custodian/core';
import { testBackends, useTestStorage } from '@custodian/core/testing';
import ExcelJS from 'exceljs';
import { beforeEach, describe, expect, it } from 'vitest';
import { masterDataSummaryLines } from '../commands/file-summary.js';
import { runIngest } from '../run-ingest.js';
import { agentRow, cleanRow, complaintRow, openTestContext, tempDir } from '../testing/fixtures.js';
import { checkMasterDataFile } from './master-data.js';

const values = (row: Record<string, string>) => Object.values(row);

for (const backend of testBackends()) {
  describe(`agents and complaints workbooks on ${backend.name}`, () => {
    let storage: Storage;
    let ctx: CustodianContext;
    let dir: string;
    useTestStorage(backend, (s) => {
      storage = s;
      dir = tempDir();
    });
    beforeEach(async () => {
      ctx = await openTestContext(storage, dir);
    });

    it('reads the first sheet with the key column and no customer column, saying which sheets were passed over', async () => {
      const agents = new ExcelJS.Workbook();
      agents.addWorksheet('说明').addRows([['营销员名单，请勿外传'], ['导出日期：2026-11-20']]);
      // A customer sheet has an agent_id column too: it is no agents sheet.
      const customer = cleanRow('C1', { agent_id: 'A9' });
      agents.addWorksheet('客户').addRows([Object.keys(customer), values(customer)]);
      const a1 = agentRow('A1');
      agents
        .addWorksheet('营销员')
        .addRows([Object.keys(a1), values(a1), values(agentRow('A2', { branch: '上海分公司' }))]);
      const agentsFile = join(dir, 'agents.xlsx');
      await agents.xlsx.writeFile(agentsFile);

      const complaints = new ExcelJS.Workbook();
      complaints.addWorksheet('封面').addRow(['投诉清单']);
      const c1 = complaintRow('K1', 'A1', '2026-10-01');
      complaints.addWorksheet('投诉').addRows([Object.keys(c1), values(c1)]);
      const complaintsFile = join(dir, 'complaints.xlsx');
      await complaints.xlsx.writeFile(complaintsFile);

      expect(await checkMasterDataFile(ctx, 'agents', agentsFile)).toBeUndefined();
      expect(await checkMasterDataFile(ctx, 'complaints', complaintsFile)).toBeUndefined();
      const s = (await runIngest(ctx, {
        files: [],
        agentsFile,
        complaintsFile,
        date: '2026-11-20',
        workers: 0,
      }))!;
      expect(s.masterData.map((m) => [m.kind, m.status, m.message, m.loaded, m.rejected.length])).toEqual([
        ['agents', 'done', undefined, 2, 0],
        ['complaints', 'done', undefined, 1, 0],
      ]);
      expect(masterDataSummaryLines(s.masterData[0]!)).toEqual([
        'agents.xlsx: 2 agents loaded, 0 rejected',
        '  warning: read sheet "营销员", the first whose header line has a column recognised as agent_id and none of a customer record (passed over: "说明", "客户")',
      ]);
      expect(s.masterData[1]!.warnings).toEqual([
        'read sheet "投诉", the first whose header line has a column recognised as complaint_id and none of a customer record (passed over: "封面")',
      ]);
      const rows = await storage.db
        .selectFrom('agents')
        .select(['agent_id', 'branch'])
        .orderBy('agent_id')
        .execute();
      expect(rows).toEqual([
        { agent_id: 'A1', branch: '北京分公司' },
        { agent_id: 'A2', branch: '上海分公司' },
      ]);
      expect(await storage.db.selectFrom('complaints').select('complaint_id').execute()).toEqual([
        { complaint_id: 'K1' },
      ]);
    });

    it('refuses a workbook with no agents sheet, naming the sheets looked at, before anything is loaded', async () => {
      const wb = new ExcelJS.Workbook();
      wb.addWorksheet('说明').addRow(['营销员名单']);
      const customer = cleanRow('C1', { agent_id: 'A9' });
      wb.addWorksheet('客户').addRows([Object.keys(customer), values(customer)]);
      const file = join(dir, 'no-agents.xlsx');
      await wb.xlsx.writeFile(file);
      const problem = await checkMasterDataFile(ctx, 'agents', file);
      expect(problem).toBe(
        'no-agents.xlsx: not an agents workbook: no sheet has a header line with a column recognised as agent_id and none of a customer record (looked at "说明", "客户"); nothing loaded',
      );
      const s = (await runIngest(ctx, { files: [], agentsFile: file, date: '2026-11-20', workers: 0 }))!;
      expect(s.masterData[0]).toMatchObject({ status: 'failed', message: problem });
      expect(await storage.db.selectFrom('agents').selectAll().execute()).toEqual([]);
    });
  });
}
