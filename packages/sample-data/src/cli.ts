// Command line: writes one sample batch and prints the file paths (or, with --json, one JSON
// summary line). Usage:
//   tsx --conditions=custodian-source packages/sample-data/src/cli.ts --customers 1000 --out dir
//       [--seed N] [--profile insurance|telecom] [--headers en|zh] [--encoding utf8|utf8bom|gb18030]
//       [--defect-rate 0.05] [--agents N] [--sign-from YYYY-MM-DD] [--sign-to YYYY-MM-DD]
//       [--batch-date YYYY-MM-DD] [--id-prefix P] [--index-offset N] [--workers N] [--json]
import { parseArgs } from 'node:util';
import type { CsvEncoding } from './csv-writer.js';
import type { Profile } from './options.js';
import { writeSampleFiles } from './sample-files.js';

const USAGE =
  'usage: cli.ts --customers N --out DIR [--seed N] [--profile insurance|telecom] [--headers en|zh] ' +
  '[--encoding utf8|utf8bom|gb18030] [--defect-rate R] [--agents N] [--sign-from D] [--sign-to D] ' +
  '[--batch-date D] [--id-prefix P] [--index-offset N] [--workers N] [--json]';

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function oneOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  name: string,
): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) fail(`--${name} must be one of ${allowed.join(', ')}`);
  return value as T;
}

function num(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) fail(`--${name} must be a number`);
  return n;
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      options: {
        customers: { type: 'string' },
        out: { type: 'string' },
        seed: { type: 'string' },
        profile: { type: 'string' },
        headers: { type: 'string' },
        encoding: { type: 'string' },
        'defect-rate': { type: 'string' },
        agents: { type: 'string' },
        'sign-from': { type: 'string' },
        'sign-to': { type: 'string' },
        'batch-date': { type: 'string' },
        'id-prefix': { type: 'string' },
        'index-offset': { type: 'string' },
        workers: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }).values;
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const str = (k: string) => values[k] as string | undefined;
  const customers = num(str('customers'), 'customers');
  const out = str('out');
  if (customers === undefined || out === undefined) fail('--customers and --out are required');

  const started = performance.now();
  const result = await writeSampleFiles(out, {
    customers,
    seed: num(str('seed'), 'seed'),
    profile: oneOf<Profile>(str('profile'), ['insurance', 'telecom'], 'profile'),
    headers: oneOf(str('headers'), ['en', 'zh'] as const, 'headers'),
    encoding: oneOf<CsvEncoding>(str('encoding'), ['utf8', 'utf8bom', 'gb18030'], 'encoding'),
    defectRate: num(str('defect-rate'), 'defect-rate'),
    agents: num(str('agents'), 'agents'),
    signDateFrom: str('sign-from'),
    signDateTo: str('sign-to'),
    batchDate: str('batch-date'),
    idPrefix: str('id-prefix'),
    indexOffset: num(str('index-offset'), 'index-offset'),
    workers: num(str('workers'), 'workers'),
  });
  const seconds = (performance.now() - started) / 1000;
  const { counts, ...files } = result;
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ ...files, counts, seconds: Number(seconds.toFixed(2)) })}\n`);
  } else {
    for (const path of Object.values(files)) process.stdout.write(`${path}\n`);
    process.stderr.write(`${counts.customers} customers, ${counts.labels} labels, ${seconds.toFixed(1)} s\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(err instanceof RangeError ? 2 : 1);
});
