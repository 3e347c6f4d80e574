import { once } from 'node:events';
import { parseArgs } from 'node:util';
import {
  type CliOutput,
  type CustodianContext,
  CustodianError,
  createOutput,
  echoValue,
  openContextForCli,
  reportCliError,
} from '@custodian/core';
import { createAccount, findAccount, setPassword } from './auth/accounts.js';
import { generatePassword } from './auth/passwords.js';
import { readPassword } from './cli-password.js';
import { type MessageKey, translator } from './i18n.js';
import { createServer } from './server.js';
import { readConsoleSettings } from './settings.js';

const HELP = `Usage: pnpm console [command] [options]

The review console: compliance staff, channel investigators, supervisors, managers, auditors and
admins work in the browser over the same database as the other apps (DATABASE_URL, else the
embedded database in CUSTODIAN_DATA_DIR, default ./.custodian/data). Chinese interface by
default; ?lang=en for English.

Commands:
  start (default)                 serve the console on console.host:console.port (default 127.0.0.1:8080;
                                  CUSTODIAN_CONSOLE_PORT or the config file's "console" section)
  create-admin <username>         create an admin account. The password is read from standard input
      [--name <display name>]     (first line) or asked for on a terminal; an empty one, or --generate,
      [--generate]                prints a generated one-time password that must be changed at first sign-in
  reset-password <username>       give an account a new one-time password (e.g. the only admin is locked out)

Options:
  --json            print one JSON summary object as the last line of stdout
  --actor <name>    who is acting, for the audit trail (default: CUSTODIAN_ACTOR or "cli")
  --config <file>   JSON configuration file (default: CUSTODIAN_CONFIG or ./custodian.config.json)
  -h, --help        show this help
`;

const OPTIONS = {
  json: { type: 'boolean' },
  actor: { type: 'string' },
  config: { type: 'string' },
  name: { type: 'string' },
  generate: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function usage(message: string): CustodianError {
  return new CustodianError('USAGE', `${message} (see pnpm console --help)`);
}

async function start(ctx: CustodianContext, out: CliOutput): Promise<number> {
  const settings = readConsoleSettings(ctx.config);
  const server = createServer(ctx);
  server.listen(settings.port, settings.host);
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : settings.port;
  const admins = await ctx.storage.db.selectFrom('console_users').select('user_id').limit(1).execute();
  out.say(`Custodian console on http://${settings.host}:${port}/ (database: ${ctx.storage.location})`);
  if (admins.length === 0) {
    out.note('no account exists yet: create the first admin with  pnpm console create-admin <username>');
  }
  out.result({ ok: true, url: `http://${settings.host}:${port}/`, database: ctx.storage.location });
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  out.note('stopping');
  server.close();
  server.closeAllConnections();
  return 0;
}

async function createAdmin(
  ctx: CustodianContext,
  username: string,
  typed: string,
  values: { name?: string | undefined },
  out: CliOutput,
): Promise<number> {
  const oneTime = typed === '' ? generatePassword() : undefined;
  const result = await createAccount(ctx.storage.db, {
    username,
    displayName: values.name ?? username,
    roles: ['admin'],
    channel: null,
    password: oneTime ?? typed,
    // A password the admin typed is theirs; a generated one was seen on a screen and must be replaced.
    mustChangePassword: oneTime !== undefined,
    createdBy: ctx.config.actor,
  });
  if (!result.ok) {
    const en = translator('en');
    const zh = translator('zh');
    const text = result.problems.map((p) => `${en(p as MessageKey)} / ${zh(p as MessageKey)}`).join(' ');
    throw new CustodianError('ACCOUNT_INVALID', `cannot create ${username}: ${text}`, {
      problems: result.problems,
    });
  }
  out.say(`admin account "${result.user.username}" created`);
  if (oneTime) out.say(`one-time password (change it at first sign-in): ${oneTime}`);
  out.result({ ok: true, username: result.user.username, oneTimePassword: oneTime ?? null });
  return 0;
}

async function resetPassword(ctx: CustodianContext, username: string, out: CliOutput): Promise<number> {
  const user = await findAccount(ctx.storage.db, username);
  if (!user) throw new CustodianError('ACCOUNT_NOT_FOUND', `no account named "${username}"`);
  const oneTime = generatePassword();
  await setPassword(ctx.storage.db, user, oneTime, {
    actor: ctx.config.actor,
    mustChange: true,
    now: new Date(),
  });
  out.say(`one-time password of "${user.username}" (change it at first sign-in): ${oneTime}`);
  out.result({ ok: true, username: user.username, oneTimePassword: oneTime });
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const out = createOutput(json);
  try {
    const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
    if (values.help || positionals[0] === 'help') {
      process.stdout.write(HELP);
      return 0;
    }
    const [command = 'start', target] = positionals;
    if (!['start', 'create-admin', 'reset-password'].includes(command))
      throw usage(`unknown command ${echoValue(command)}`);
    if (command !== 'start' && !target) throw usage(`${command} needs a username`);
    // Asked before the database opens, so that the prompt comes at once.
    const typed =
      command === 'create-admin' && !values.generate
        ? await readPassword('Password for the new admin (empty: generate a one-time password): ')
        : '';
    const ctx = await openContextForCli({ config: values.config, actor: values.actor }, out);
    try {
      if (command === 'create-admin') return await createAdmin(ctx, target!, typed, values, out);
      if (command === 'reset-password') return await resetPassword(ctx, target!, out);
      return await start(ctx, out);
    } finally {
      await ctx.close();
    }
  } catch (err) {
    return reportCliError(err, out);
  }
}

process.exitCode = await main(process.argv.slice(2));
