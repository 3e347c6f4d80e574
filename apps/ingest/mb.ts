import { existsSync, readFileSync } from 'node:fs';
import { loadKeyring } from '@custodian/core';
import { writeSampleFiles } from '@custodian/sample-data';
import { mapHeaders } from './src/input/header-map.js';
import { encodeCsvBlock } from './src/pipeline/encode-csv-block.js';

const dir = '/tmp/mb/data';
const N = 100000;
if (!existsSync(`${dir}/customers.csv`))
  await writeSampleFiles(dir, {
    customers: N,
    seed: 7,
    defectRate: 0.05,
    agents: 2000,
    signDateFrom: '2025-01-01',
    signDateTo: '2025-12-31',
    batchDate: '2026-01-05',
  } as never);
const text = readFileSync(`${dir}/customers.csv`);
const nl = text.indexOf(10);
const headers = text
  .subarray(0, nl)
  .toString('utf8')
  .replace(/^\uFEFF/, '')
  .split(',');
const mapping = mapHeaders('customers', headers);
const keyring = loadKeyring({
  masterKeys: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
  dataDir: '/tmp/mb',
});
const opts = { profile: 'insurance', today: '2026-01-05', retentionYears: 30 };
// blocks of ~1MB
const blocks: Uint8Array[] = [];
let pos = nl + 1;
while (pos < text.length) {
  let end = Math.min(pos + 1024 * 1024, text.length);
  if (end < text.length) end = text.indexOf(10, end) + 1;
  blocks.push(new Uint8Array(text.subarray(pos, end)));
  pos = end;
}
for (let rep = 0; rep < 3; rep++) {
  const t = process.hrtime.bigint();
  let rows = 0;
  for (const bytes of blocks) {
    const r = encodeCsvBlock(
      keyring,
      {
        block: { bytes, encoding: 'utf-8', firstLine: 2 },
        batchId: 1,
        fields: mapping.fields,
        headers: mapping.headers,
        encoding: 'utf-8',
        recordIdCol: mapping.fields.indexOf('record_id'),
      },
      opts as never,
    );
    rows += r.rowsRead;
  }
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  console.log(`rep ${rep}: ${rows} rows ${s.toFixed(2)} s = ${((s / rows) * 1e6).toFixed(1)} µs/row`);
}
