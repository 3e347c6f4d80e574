import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_COLUMNS, AGENT_COLUMNS_ZH, generateAgents } from './agents.js';
import { COMPLAINT_COLUMNS, generateComplaints } from './complaints.js';
import { csvLine } from './csv-writer.js';
import {
  CUSTOMER_COLUMNS,
  CUSTOMER_COLUMNS_ZH,
  CUSTOMER_COLUMNS_ZH_TELECOM,
  generateCustomers,
  type InjectedDefect,
} from './customers.js';
import type { SampleOptions } from './options.js';
import { customerLine, writeSampleFiles } from './sample-files.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sample-data-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeSampleFiles', () => {
  const opts: SampleOptions = { customers: 3000, seed: 21, defectRate: 0.1 };

  it('writes customers, agents, complaints and the answer key, consistent with the generators', async () => {
    const out = await writeSampleFiles(join(dir, 'en'), opts);
    const customers = parse(await readFile(out.customersFile, 'utf8'), { columns: true }) as Record<
      string,
      string
    >[];
    const expected = [...generateCustomers(opts)];
    expect(Object.keys(customers[0]!)).toEqual(CUSTOMER_COLUMNS);
    expect(customers).toEqual(expected.map((e) => e.row));

    const labels = (await readFile(out.labelsFile, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as InjectedDefect);
    expect(labels).toEqual(expected.flatMap((e) => e.defects));
    expect(out.counts.labels).toBe(labels.length);
    expect(out.counts.customers).toBe(3000);
    expect(out.counts.DUP_PHONE).toBe(labels.filter((l) => l.rule === 'DUP_PHONE').length);

    const agents = generateAgents(opts);
    expect(parse(await readFile(out.agentsFile, 'utf8'), { columns: true })).toEqual(agents);
    expect(parse(await readFile(out.complaintsFile, 'utf8'), { columns: true })).toEqual(
      generateComplaints(agents, opts),
    );
    expect(out.counts.agents).toBe(agents.length);
  });

  it("writes a telecom export's Chinese headers under the telecom profile: 机主, 合同号, no insurance party", async () => {
    const out = await writeSampleFiles(join(dir, 'zh-telecom'), {
      ...opts,
      customers: 20,
      profile: 'telecom',
      headers: 'zh',
    });
    const [header] = parse(await readFile(out.customersFile, 'utf8')) as string[][];
    expect(header).toEqual(CUSTOMER_COLUMNS.map((c) => CUSTOMER_COLUMNS_ZH_TELECOM[c]));
    expect(header).toEqual(
      expect.arrayContaining(['机主姓名', '服务号码', '使用人姓名', '合同号', '受理日期']),
    );
    expect(header!.filter((h) => /投保人|被保险人|保单|签单|营销员/.test(h))).toEqual([]);
  });

  it('writes Chinese headers in GB18030 when asked', async () => {
    const out = await writeSampleFiles(join(dir, 'zh'), {
      ...opts,
      customers: 200,
      headers: 'zh',
      encoding: 'gb18030',
    });
    const text = new TextDecoder('gb18030').decode(await readFile(out.customersFile));
    const [header, first] = parse(text) as string[][];
    expect(header).toEqual(CUSTOMER_COLUMNS.map((c) => CUSTOMER_COLUMNS_ZH[c]));
    expect(first).toEqual(
      CUSTOMER_COLUMNS.map((c) => [...generateCustomers({ ...opts, customers: 1 })][0]!.row[c]),
    );
    const agentHeader = (
      parse(new TextDecoder('gb18030').decode(await readFile(out.agentsFile))) as string[][]
    )[0];
    expect(agentHeader).toEqual(AGENT_COLUMNS.map((c) => AGENT_COLUMNS_ZH[c]));
    const complaintHeader = (
      parse(new TextDecoder('gb18030').decode(await readFile(out.complaintsFile))) as string[][]
    )[0];
    expect(complaintHeader).toEqual(COMPLAINT_COLUMNS);
  });

  it('writes the same bytes with worker threads as in-process', async () => {
    const big = { customers: 40_000, seed: 4, defectRate: 0.08, profile: 'telecom' as const };
    const a = await writeSampleFiles(join(dir, 'w0'), { ...big, workers: 0 });
    const b = await writeSampleFiles(join(dir, 'w2'), { ...big, workers: 2 });
    expect((await readFile(b.customersFile)).equals(await readFile(a.customersFile))).toBe(true);
    expect(await readFile(b.labelsFile, 'utf8')).toBe(await readFile(a.labelsFile, 'utf8'));
    expect(b.counts).toEqual(a.counts);
    const text = (await readFile(a.customersFile, 'utf8')).trimEnd().split('\n');
    expect(text.length).toBe(40_001);
    expect(text.slice(1)).toEqual([...generateCustomers(big)].map((e) => customerLine(e.row).trimEnd()));
  });

  it('writes customer lines exactly as the general CSV writer would', () => {
    for (const { row } of generateCustomers({
      customers: 2000,
      seed: 2,
      defectRate: 0.2,
      profile: 'telecom',
      idPrefix: 'N7-',
    })) {
      expect(customerLine(row)).toBe(csvLine(CUSTOMER_COLUMNS.map((c) => row[c])));
    }
  });

  it('rejects an idPrefix that would need quoting', () => {
    expect(() => [...generateCustomers({ customers: 1, idPrefix: 'a,b' })]).toThrow(RangeError);
  });
});
