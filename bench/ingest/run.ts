/**
 * bench/ingest: the nightly ingestion at scale, against the local PostgreSQL server.
 *
 *   npx tsx --conditions=custodian-source bench/ingest/run.ts [--records 1000000] [--url postgres://…]
 *     [--workers n] [--vacuum-between]
 *
 * Generates two nights of N customer records (disjoint), then in one run: a plain COPY of night
 * one into a bare table (the floor: what PostgreSQL alone costs), the real ingest of night one
 * with every rule on (the command line as an operator runs it), and night two into that archive
 * (cross-record checks must not grow with the archive); then an ordinary night, N/500 new records
 * (at least 1,000) without master data, into the archive of both. Prints times, records per
 * second, the ratio to COPY, the peak memory and CPU seconds of each ingest process and the CPU
 * seconds of the rest of the machine meanwhile (the server). Asserts nothing.
 *
 * --vacuum-between: a plain `VACUUM` of the database after each night, timed and printed apart
 * from the nights. It stands for the day between two nights, when the server's autovacuum sets
 * the visibility of the rows a night wrote. Without it, on a server whose autovacuum is off (this
 * machine's: /etc/postgresql/15/main/conf.d/90-ci.conf), night two's first scan of the archive
 * does that work for night one's rows.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeSampleFiles } from '@custodian/sample-data';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

const { values } = parseArgs({
  options: {
    records: { type: 'string' },
    url: { type: 'string' },
    workers: { type: 'string' },
    'vacuum-between': { type: 'boolean' },
  },
});
const N = Number(values.records ?? 1_000_000);
const SERVER = values.url ?? 'postgres://postgres@127.0.0.1:5432';
const DB = 'custodian_bench_ingest';
const root = fileURLToPath(new URL('../..', import.meta.url));
const out = join(root, 'bench', '.out', 'ingest', String(N));

async function generate(
  night: number,
  count = N,
): Promise<{ customers: string; agents: string; complaints: string }> {
  const dir = join(out, count === N ? `night${night}` : `night${night}-${count}`);
  const marker = join(dir, 'done.json');
  if (!existsSync(marker)) {
    const t = Date.now();
    await writeSampleFiles(dir, {
      customers: count,
      seed: 7,
      indexOffset: (night - 1) * N,
      idPrefix: `N${night}-`,
      defectRate: 0.05,
      agents: 2000,
      signDateFrom: '2025-01-01',
      signDateTo: '2025-12-31',
      batchDate: '2026-01-05',
    });
    writeFileSync(marker, JSON.stringify({ seconds: (Date.now() - t) / 1000 }));
    process.stderr.write(
      `generated night ${night} (${count} records) in ${((Date.now() - t) / 1000).toFixed(1)} s\n`,
    );
  }
  return {
    customers: join(dir, 'customers.csv'),
    agents: join(dir, 'agents.csv'),
    complaints: join(dir, 'complaints.csv'),
  };
}

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: `${SERVER}/postgres` });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** `VACUUM` of the bench database, between nights (--vacuum-between); its seconds. */
async function vacuumBetween(): Promise<number> {
  const c = new pg.Client({ connectionString: `${SERVER}/${DB}` });
  await c.connect();
  try {
    const t = Date.now();
    await c.query('vacuum');
    const seconds = (Date.now() - t) / 1000;
    process.stderr.write(`vacuum between nights: ${seconds.toFixed(1)} s\n`);
    return seconds;
  } finally {
    await c.end();
  }
}

async function plainCopy(file: string): Promise<number> {
  const c = new pg.Client({ connectionString: `${SERVER}/${DB}` });
  await c.connect();
  try {
    const header = readFileSync(file, 'utf8').slice(0, 4096).split('\n')[0]!.split(',');
    await c.query(`create table bare_copy (${header.map((h) => `"${h}" text`).join(', ')})`);
    const t = Date.now();
    await pipeline(
      createReadStream(file),
      c.query(copyFrom('COPY bare_copy FROM STDIN WITH (FORMAT csv, HEADER true)')),
    );
    return (Date.now() - t) / 1000;
  } finally {
    await c.query('drop table if exists bare_copy');
    await c.end();
  }
}

interface IngestFigures {
  seconds: number;
  peakRssMb: number;
  summary: Record<string, unknown>;
  /** WAL the server wrote during the ingest (MB) and its full-page images: the logged share of its work. */
  walMb: number;
  walFullPages: number;
  /** CPU seconds of the ingest process (all its threads), and of the rest of the machine meanwhile (the server). */
  ingestCpuSeconds: number;
  otherCpuSeconds: number;
}

/** The server's WAL counters (pg_stat_wal, PostgreSQL 14 and later), summed over all its databases. */
async function walCounters(): Promise<{ bytes: number; fpi: number }> {
  const c = new pg.Client({ connectionString: `${SERVER}/${DB}` });
  await c.connect();
  try {
    const r = await c.query<{ bytes: string; fpi: string }>(
      'select wal_bytes::text as bytes, wal_fpi::text as fpi from pg_stat_wal',
    );
    return { bytes: Number(r.rows[0]!.bytes), fpi: Number(r.rows[0]!.fpi) };
  } finally {
    await c.end();
  }
}

async function ingest(
  night: { customers: string; agents?: string; complaints?: string },
  date: string,
): Promise<IngestFigures> {
  const wal = await walCounters();
  const busy = machineBusySeconds();
  const run = await ingestOnce(night, date);
  const machineCpu = machineBusySeconds() - busy;
  const after = await walCounters();
  return {
    ...run,
    walMb: (after.bytes - wal.bytes) / 2 ** 20,
    walFullPages: after.fpi - wal.fpi,
    otherCpuSeconds: machineCpu - run.ingestCpuSeconds,
  };
}

/** Linux clock ticks per second (USER_HZ), as /proc reports times. */
const TICKS = 100;

/** CPU seconds the whole machine has spent busy (not idle or waiting for I/O), from /proc/stat. */
function machineBusySeconds(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = cpu;
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / TICKS;
}

/** CPU seconds (user + system, all threads) of a running process, from /proc/<pid>/stat; 0 once it is gone. */
function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return 0;
  }
}

function ingestOnce(
  night: { customers: string; agents?: string; complaints?: string },
  date: string,
): Promise<Omit<IngestFigures, 'walMb' | 'walFullPages' | 'otherCpuSeconds'>> {
  return new Promise((resolve, reject) => {
    const t = Date.now();
    // The built output, as production runs it (tsx's transpiler alone costs ~200 MB per thread).
    const args = [
      join(root, 'apps/ingest/dist/start.js'),
      'run',
      night.customers,
      ...(night.agents ? ['--agents', night.agents] : []),
      ...(night.complaints ? ['--complaints', night.complaints] : []),
      '--date',
      date,
      '--json',
    ];
    if (values.workers) args.push('--workers', values.workers);
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: `${SERVER}/${DB}`,
        CUSTODIAN_DATA_DIR: join(out, 'data'),
        CUSTODIAN_MASTER_KEYS: `bench:${Buffer.alloc(32, 5).toString('base64')}`,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // The ingest's CPU time, sampled until it exits (the last sample misses at most its final 0.2 s).
    let ingestCpuSeconds = 0;
    const sampler = setInterval(() => {
      if (child.pid) ingestCpuSeconds = Math.max(ingestCpuSeconds, processCpuSeconds(child.pid));
    }, 200);
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(sampler);
      const seconds = (Date.now() - t) / 1000;
      const last = stdout.trim().split('\n').at(-1) ?? '{}';
      const summary = JSON.parse(last) as Record<string, unknown>;
      if (code !== 0) reject(new Error(`ingest exited ${code}: ${last.slice(0, 500)}`));
      else resolve({ seconds, peakRssMb: Number(summary.peakRssMb), summary, ingestCpuSeconds });
    });
  });
}

mkdirSync(out, { recursive: true });
process.stderr.write('building the ingest and its packages (tsc) …\n');
const build = spawnSync(
  'npx',
  ['-y', 'pnpm@10.34.8', 'exec', 'turbo', 'run', 'build', '--filter=@custodian/ingest...'],
  {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
if (build.status !== 0) throw new Error('build failed');
const [n1, n2] = [await generate(1), await generate(2)];
await admin(`drop database if exists ${DB} with (force)`);
await admin(`create database ${DB}`);
const copySeconds = await plainCopy(n1.customers);
process.stderr.write(`plain COPY of night 1: ${copySeconds.toFixed(1)} s\n`);
const vacuums: number[] = [];
const first = await ingest(n1, '2026-01-05');
if (values['vacuum-between']) vacuums.push(await vacuumBetween());
const second = await ingest(n2, '2026-01-06');
if (values['vacuum-between']) vacuums.push(await vacuumBetween());
// An ordinary night: a small file of new customers into the archive of two nights, no master data.
const SMALL = Math.max(1000, Math.round(N / 500));
const n3 = await generate(3, SMALL);
const third = await ingest({ customers: n3.customers }, '2026-01-07');

const rate = (s: number) => Math.round(N / s).toLocaleString('en');
const file = (f: IngestFigures) =>
  ((f.summary.files as Record<string, unknown>[])[0] ?? {}) as Record<string, unknown>;
const rows = [
  ['plain COPY into a bare table (night 1)', copySeconds, '-', '-'],
  ['ingest night 1 (empty archive, every rule)', first.seconds, first.peakRssMb, file(first).flagsRaised],
  [
    `ingest night 2 (archive of ${N.toLocaleString('en')})`,
    second.seconds,
    second.peakRssMb,
    file(second).flagsRaised,
  ],
] as const;
console.log(
  `\nbench/ingest: ${N.toLocaleString('en')} records per night, PostgreSQL at ${SERVER}, ${(await import('node:os')).availableParallelism()} cores`,
);
console.log(
  'what                                          seconds   records/s   ratio to COPY   peak MB   flags',
);
for (const [what, s, mb, flags] of rows) {
  console.log(
    `${what.padEnd(44)} ${s.toFixed(1).padStart(8)} ${rate(s).padStart(11)} ${(s / copySeconds).toFixed(1).padStart(15)} ${String(mb).padStart(9)} ${String(flags).padStart(7)}`,
  );
}
for (const [night, f] of [
  [1, first],
  [2, second],
  [3, third],
] as const) {
  const r = file(f);
  console.log(
    `night ${night}: ${Number(r.stagingSeconds).toFixed(1)} s reading, checking and staging (COPY), ${Number(r.mergeSeconds).toFixed(1)} s merging into the archive (rules, flags); the server wrote ${Math.round(f.walMb)} MB of WAL, ${f.walFullPages.toLocaleString('en')} full-page images; CPU: ${f.ingestCpuSeconds.toFixed(1)} s in the ingest process, ${f.otherCpuSeconds.toFixed(1)} s elsewhere (PostgreSQL)`,
  );
}
console.log(
  `night 3 (${SMALL.toLocaleString('en')} new records into the archive of ${(2 * N).toLocaleString('en')}, no master data): ${third.seconds.toFixed(1)} s, ${file(third).flagsRaised} flags, peak ${third.peakRssMb} MB`,
);
if (vacuums.length > 0) {
  console.log(
    `between the nights (--vacuum-between, not counted in them): VACUUM took ${vacuums.map((v) => `${v.toFixed(1)} s`).join(' after night 1, ')} after night 2`,
  );
}
console.log(
  `night 2 / night 1 time: ${(second.seconds / first.seconds).toFixed(2)}   targets: <= 60 s per night, <= 1024 MB, night 2 no slower than night 1`,
);
