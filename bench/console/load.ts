// Load script of the review console: the queue's first page under 20 concurrent users over
// 100,000 open flags on the local PostgreSQL server. Prints figures; asserts nothing.
//
//   npx tsx --conditions=custodian-source bench/console/load.ts
//       [--url postgres://postgres@127.0.0.1:5432/custodian_bench_console] [--flags 100000]
//       [--closed 20000] [--users 20] [--requests 50] [--think 0] [--reseed]
//
// The database is created if missing and seeded with INSERT … SELECT generate_series (customers
// with placeholder encrypted data: the queue never decrypts). The console runs as its own process
// (`pnpm console start`), as in production; the users are fetch loops in this process, each
// signed in with its own account. Traffic goes to 127.0.0.1 only, and every loop is bounded.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig, openCustodian, openStorage } from '@custodian/core';
import { createAccount } from '../../apps/console/src/auth/accounts.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BENCH_KEYS = `bench1:${Buffer.alloc(32, 42).toString('base64')}`;
const PASSWORD = 'Bench-Passw0rd!';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/custodian_bench_console' },
    flags: { type: 'string', default: '100000' },
    closed: { type: 'string', default: '20000' },
    users: { type: 'string', default: '20' },
    requests: { type: 'string', default: '50' },
    reseed: { type: 'boolean', default: false },
    /** Pause of each user between two pages (ms): 0 is the worst case, every user clicking non-stop. */
    think: { type: 'string', default: '0' },
  },
});
const OPEN_FLAGS = Number(values.flags);
const CLOSED_FLAGS = Number(values.closed);
const USERS = Number(values.users);
const REQUESTS = Number(values.requests);
const THINK_MS = Number(values.think);

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = target.pathname.slice(1);
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unexpected database name ${name}`);
  const adminUrl = new URL(url);
  adminUrl.pathname = '/postgres';
  const admin = await openStorage({ databaseUrl: adminUrl.toString(), poolSize: 1 });
  try {
    const found = await admin.pool!.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) {
      await admin.pool!.query(`create database ${name}`);
      say(`created database ${name}`);
    }
  } finally {
    await admin.close();
  }
}

async function seed(ctx: Awaited<ReturnType<typeof openCustodian>>): Promise<void> {
  const pool = ctx.storage.pool!;
  const open = await pool.query<{ n: string }>(`select count(*) as n from flags where status <> 'closed'`);
  if (!values.reseed && Number(open.rows[0]!.n) === OPEN_FLAGS) {
    say(`reusing ${OPEN_FLAGS} open flags already seeded (--reseed to start again)`);
    return;
  }
  const total = OPEN_FLAGS + CLOSED_FLAGS;
  const started = Date.now();
  await pool.query(
    'truncate flag_events, flags, customers, console_sessions, console_users restart identity cascade',
  );
  // Channels, branches and rules in realistic proportions; dates spread over the last weeks so
  // the default order (due date) has many ties and the deadline badges all occur.
  await pool.query(
    `insert into customers (record_id, archive_no, channel, branch, agent_id, secrecy_level, pii, row_hash,
       first_batch_id, last_batch_id, holder_name_masked, holder_id_masked, holder_phone_masked)
     select 'BR' || g, 'AR' || g,
       (array['个险渠道','银保渠道','团险渠道','电销渠道','网销渠道'])[1 + g % 5],
       (array['北京分公司','上海分公司','广东分公司','江苏分公司','浙江分公司','四川分公司','湖北分公司','山东分公司'])[1 + g % 8],
       'AG' || lpad((g % 400)::text, 4, '0'), '普通', '\\x00'::bytea, sha256(('BR' || g)::bytea), 1, 1,
       '张*', '110105********' || lpad((g % 10000)::text, 4, '0'), '138****' || lpad((g % 10000)::text, 4, '0')
     from generate_series(1, $1::int) g`,
    [total],
  );
  await pool.query(
    `insert into flags (fingerprint, rule, severity, customer_id, record_id, archive_no, batch_id, reason_zh, reason_en,
       status, channel, branch, agent_id, assignee, listed_on, due_on, closed_at, resolved_by, outcome, raised_at)
     select 'bench-' || g,
       (array['DUP_PHONE','DUP_BANK_ACCOUNT','ID_CHECKSUM','MISSING_REQUIRED','PHONE_FORMAT','AGENT_RECHECK','CONSENT_MISSING'])[1 + g % 7],
       (array['error','warning','warning','info'])[1 + g % 4],
       g, 'BR' || g, 'AR' || g, 1 + g / 5000,
       '手机号 138****' || lpad((g % 10000)::text, 4, '0') || ' 与其他客户相同',
       'phone 138****' || lpad((g % 10000)::text, 4, '0') || ' shared with another customer',
       case when g > $1::int then 'closed' else (array['open','open','assigned','resolved'])[1 + g % 4] end,
       (array['个险渠道','银保渠道','团险渠道','电销渠道','网销渠道'])[1 + g % 5],
       (array['北京分公司','上海分公司','广东分公司','江苏分公司','浙江分公司','四川分公司','湖北分公司','山东分公司'])[1 + g % 8],
       'AG' || lpad((g % 400)::text, 4, '0'),
       case when g % 4 = 2 then 'inv' || (g % 50) end,
       date '2026-10-01' + (g % 50), date '2026-10-06' + (g % 50),
       case when g > $1::int then timestamptz '2026-10-07 10:00+08' + ((g % 50) || ' days')::interval end,
       case when g > $1::int or g % 4 = 3 then 'inv' || (g % 50) end,
       case when g > $1::int or g % 4 = 3 then 'genuine' end,
       now()
     from generate_series(1, $2::int) g`,
    [OPEN_FLAGS, total],
  );
  await pool.query('vacuum analyze customers');
  await pool.query('vacuum analyze flags');
  say(
    `seeded ${total} customers and flags (${OPEN_FLAGS} open) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

async function freePort(): Promise<number> {
  const s = createNetServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  s.close();
  return port;
}

async function startConsole(url: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=custodian-source', join(ROOT, 'apps/console/src/cli.ts'), 'start'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: url,
        CUSTODIAN_MASTER_KEYS: BENCH_KEYS,
        CUSTODIAN_CONSOLE_PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stderr!.on('data', (d: Buffer) => process.stderr.write(`  [console] ${d}`));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('console did not start within 60 s')), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('Custodian console on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`console exited with ${code}`)));
  });
  return child;
}

/** A signed-in user: the session cookie after the login form. */
async function signIn(base: string, username: string): Promise<string> {
  const form = await fetch(`${base}/login`, { redirect: 'manual' });
  const cookie = form.headers.getSetCookie()[0]!.split(';')[0]!;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, username, password: PASSWORD, next: '/flags' }).toString(),
  });
  if (res.status !== 303) throw new Error(`login of ${username} failed: ${res.status}`);
  await res.text();
  return res.headers.getSetCookie()[0]!.split(';')[0]!;
}

/** CPU seconds (user + system) a process has used, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface Figures {
  requests: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  perSecond: number;
}

/** USERS loops, each REQUESTS sequential requests of `path`, with THINK_MS between two (0: the worst case). */
async function run(base: string, cookies: string[], path: string, requests: number): Promise<Figures> {
  const times: number[] = [];
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    cookies.map(async (cookie) => {
      for (let i = 0; i < requests; i++) {
        const t0 = performance.now();
        const res = await fetch(`${base}${path}`, {
          headers: { cookie },
          redirect: 'manual',
          signal: AbortSignal.timeout(30_000),
        });
        const body = await res.text();
        times.push(performance.now() - t0);
        if (res.status !== 200 || !body.includes('<table class="queue">')) errors++;
        if (THINK_MS > 0) await new Promise((resolve) => setTimeout(resolve, THINK_MS));
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  const r = (n: number) => Math.round(n * 10) / 10;
  return {
    requests: times.length,
    errors,
    p50: r(percentile(times, 50)),
    p95: r(percentile(times, 95)),
    p99: r(percentile(times, 99)),
    max: r(times[times.length - 1] ?? Number.NaN),
    perSecond: r(times.length / elapsed),
  };
}

async function main(): Promise<void> {
  await ensureDatabase(values.url!);
  const config = loadConfig({
    env: {},
    file: false,
    overrides: { databaseUrl: values.url, masterKeys: BENCH_KEYS },
  });
  const ctx = await openCustodian(config);
  let child: ChildProcess | undefined;
  try {
    await seed(ctx);
    await ctx.storage.pool!.query('delete from console_sessions');
    const names = Array.from({ length: USERS }, (_, i) => `bench${String(i + 1).padStart(2, '0')}`);
    for (const username of names) {
      const exists = await ctx.storage.pool!.query('select 1 from console_users where username = $1', [
        username,
      ]);
      if (exists.rowCount) continue;
      const r = await createAccount(ctx.storage.db, {
        username,
        displayName: username,
        roles: ['reviewer'],
        channel: null,
        password: PASSWORD,
        mustChangePassword: false,
        createdBy: 'bench',
        cost: { N: 2 ** 14, r: 8, p: 1 },
      });
      if (!r.ok) throw new Error(`account ${username}: ${r.problems.join(', ')}`);
    }
    const port = await freePort();
    child = await startConsole(values.url!, port);
    const base = `http://127.0.0.1:${port}`;
    const cookies = await Promise.all(names.map((n) => signIn(base, n)));
    say(`${USERS} users signed in; warming up`);
    await run(base, cookies, '/flags', 3);
    const scenarios: [string, string][] = [
      ['queue first page (default: open flags by due date)', '/flags'],
      ['filtered by channel and severity', `/flags?channel=${encodeURIComponent('银保渠道')}&severity=error`],
      ['sorted by severity', '/flags?sort=severity'],
      ['page 200', '/flags?page=200'],
    ];
    const results: Record<string, Figures & { consoleCpuMs: number; postgresCpuMs: number }> = {};
    // The machine may be shared: CPU per request of the console process and of its PostgreSQL
    // backends is a figure that other load does not distort as much as latency.
    const backends = async () =>
      (
        await ctx.storage.pool!.query<{ pid: number }>(
          'select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
        )
      ).rows.map((r) => r.pid);
    say(
      `load average before: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    for (const [name, path] of scenarios) {
      const requests = path === '/flags' ? REQUESTS : Math.max(5, Math.floor(REQUESTS / 5));
      const pgPids = await backends();
      const cpu0 = cpuSeconds(child.pid!);
      const pg0 = pgPids.reduce((s, p) => s + cpuSeconds(p), 0);
      const f = await run(base, cookies, path, requests);
      const consoleCpuMs = Math.round(((cpuSeconds(child.pid!) - cpu0) * 1000 * 100) / f.requests) / 100;
      const postgresCpuMs =
        Math.round(((pgPids.reduce((s, p) => s + cpuSeconds(p), 0) - pg0) * 1000 * 100) / f.requests) / 100;
      results[name] = { ...f, consoleCpuMs, postgresCpuMs };
      say(
        `${name}: ${f.requests} requests, ${f.errors} errors, p50 ${f.p50} ms, p95 ${f.p95} ms, p99 ${f.p99} ms, max ${f.max} ms, ${f.perSecond}/s; CPU per request: console ${consoleCpuMs} ms, PostgreSQL ${postgresCpuMs} ms`,
      );
    }
    say(
      `load average after: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} (2 cores; other work on the machine inflates the latencies)`,
    );
    const main = results[scenarios[0]![0]]!;
    say(
      `target: first page p95 under 200 ms with ${USERS} users (think time ${THINK_MS} ms) over ${OPEN_FLAGS} open flags → ${main.p95} ms`,
    );
    process.stdout.write(
      `${JSON.stringify({ openFlags: OPEN_FLAGS, closedFlags: CLOSED_FLAGS, users: USERS, thinkMs: THINK_MS, results })}\n`,
    );
  } finally {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    await ctx.close();
  }
}

await main();
