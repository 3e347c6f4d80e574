import { readFileSync } from 'node:fs';
import { CustodianError } from '../errors.js';
import { type Config, configSchema } from './schema.js';

/** Environment variables read, with the setting each one fills. */
const ENV_MAP: Record<string, (cfg: Record<string, unknown>, v: string) => void> = {
  DATABASE_URL: (c, v) => {
    c.databaseUrl = v;
  },
  CUSTODIAN_DATA_DIR: (c, v) => {
    c.dataDir = v;
  },
  CUSTODIAN_MASTER_KEYS: (c, v) => {
    c.masterKeys = v;
  },
  CUSTODIAN_TIME_ZONE: (c, v) => {
    c.timeZone = v;
  },
  CUSTODIAN_CALENDAR_FILE: (c, v) => {
    c.calendarOverrideFile = v;
  },
  CUSTODIAN_ACTOR: (c, v) => {
    c.actor = v;
  },
  CUSTODIAN_INBOX: (c, v) => {
    section(c, 'ingest').inbox = v;
  },
  CUSTODIAN_PROFILE: (c, v) => {
    section(c, 'ingest').profile = v;
  },
  CUSTODIAN_WORKERS: (c, v) => {
    section(c, 'ingest').workers = Number(v);
  },
  CUSTODIAN_REPORTS_DIR: (c, v) => {
    section(c, 'reports').outDir = v;
  },
  CUSTODIAN_CONSOLE_PORT: (c, v) => {
    section(c, 'console').port = Number(v);
  },
};

function section(c: Record<string, unknown>, name: string): Record<string, unknown> {
  const existing = c[name];
  if (existing && typeof existing === 'object') return existing as Record<string, unknown>;
  const created: Record<string, unknown> = {};
  c[name] = created;
  return created;
}

export interface LoadConfigOptions {
  /** Defaults to `process.env`; tests pass their own. */
  env?: Record<string, string | undefined>;
  /** A JSON config file; defaults to `CUSTODIAN_CONFIG`, then `./custodian.config.json` if it exists; `false`: none. */
  file?: string | false;
  /** Settings that win over file and environment (command-line flags). */
  overrides?: Record<string, unknown>;
}

/**
 * Reads the configuration: file first, then environment, then overrides. Throws a CustodianError
 * `CONFIG_INVALID` naming each bad setting and where it came from.
 */
export function loadConfig(opts: LoadConfigOptions = {}): Config {
  const env = opts.env ?? process.env;
  const raw: Record<string, unknown> = {};
  const explicitFile = opts.file === false ? undefined : (opts.file ?? env.CUSTODIAN_CONFIG);
  const file = explicitFile ?? './custodian.config.json';
  let text: string | undefined;
  if (opts.file !== false) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if (explicitFile) {
        throw new CustodianError(
          'CONFIG_INVALID',
          `cannot read config file ${file}: ${(err as Error).message}`,
        );
      }
    }
  }
  if (text !== undefined) {
    try {
      Object.assign(raw, JSON.parse(text));
    } catch (err) {
      throw new CustodianError(
        'CONFIG_INVALID',
        `config file ${file} is not valid JSON: ${(err as Error).message}`,
      );
    }
  }
  for (const [name, apply] of Object.entries(ENV_MAP)) {
    const v = env[name];
    if (v !== undefined && v !== '') apply(raw, v);
  }
  deepAssign(raw, opts.overrides ?? {});
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new CustodianError(
      'CONFIG_INVALID',
      `invalid configuration (file ${file}, environment):\n${lines.join('\n')}`,
    );
  }
  return parsed.data;
}

function deepAssign(target: Record<string, unknown>, src: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(src)) {
    if (v === undefined) continue;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      deepAssign(section(target, k), v as Record<string, unknown>);
    } else {
      target[k] = v;
    }
  }
}

/**
 * The server integration tests run against: `TEST_DATABASE_URL`, else `DATABASE_URL`, else none
 * (then only the embedded database is tested). Kept here so that only the config module reads the environment.
 */
export function readTestDatabaseUrl(
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  return env.TEST_DATABASE_URL || env.DATABASE_URL || undefined;
}
