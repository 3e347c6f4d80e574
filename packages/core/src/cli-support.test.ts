import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  type CliOutput,
  choiceOption,
  dateOption,
  echoValue,
  idArgument,
  integerOption,
  MAX_ID,
  openContextForCli,
  parseArgsUsageError,
  reportCliError,
  splitCommand,
  textOption,
  userPath,
} from './cli-support.js';
import { CustodianError } from './errors.js';
import { pageWindow } from './storage/page-window.js';
import { custodianErrorMessage } from './testing/custodian-error.js';

const usageMessage = (fn: () => unknown) => custodianErrorMessage('USAGE', fn);

describe('whole-number options', () => {
  it('takes whole numbers within range and leaves an absent option undefined', () => {
    expect(integerOption('limit', '20', { min: 1, max: 1000 })).toBe(20);
    expect(integerOption('limit', ' 7 ', { min: 1 })).toBe(7);
    expect(integerOption('offset', '0', { min: 0 })).toBe(0);
    expect(integerOption('limit', undefined, { min: 1 })).toBeUndefined();
  });

  it('refuses anything else, naming the option and the value', () => {
    expect(usageMessage(() => integerOption('limit', 'abc', { min: 1, max: 1000 }))).toBe(
      '--limit must be a whole number (1 to 1000), got "abc" (see --help)',
    );
    for (const bad of ['', '1.5', '1e3', '0x10', 'NaN', 'Infinity', '12abc'])
      expect(usageMessage(() => integerOption('limit', bad, { min: 1 }))).toContain(`got "${bad}"`);
    // 20 digits in a row may be a bank account: quoted masked (echoValue), 2 + 16 + 2.
    expect(usageMessage(() => integerOption('limit', '99999999999999999999', { min: 1 }))).toContain(
      'got "99****************99"',
    );
    expect(usageMessage(() => integerOption('limit', '0', { min: 1, max: 1000 }))).toContain('(1 to 1000)');
    expect(usageMessage(() => integerOption('limit', '1001', { min: 1, max: 1000 }))).toContain('got "1001"');
    expect(usageMessage(() => integerOption('offset', '-1', { min: 0 }))).toContain('(at least 0)');
    // A flag given without its value (parseArgs hands over a boolean only for boolean options, but be safe).
    expect(usageMessage(() => integerOption('limit', true, { min: 1 }))).toContain('--limit');
  });
});

describe('paths typed on the command line', () => {
  it('resolves a relative path from the folder the command was typed in (INIT_CWD), not the script folder', () => {
    const env = { INIT_CWD: '/home/ops/exports' };
    expect(userPath('day.csv', env, '/srv/custodian')).toBe('/home/ops/exports/day.csv');
    expect(userPath('../in/day.csv', env, '/srv/custodian')).toBe('/home/ops/in/day.csv');
    // Absolute paths, the same folder, or no INIT_CWD (the built command run directly): as typed.
    expect(userPath('/data/day.csv', env, '/srv/custodian')).toBe('/data/day.csv');
    expect(userPath('day.csv', { INIT_CWD: '/srv/custodian/' }, '/srv/custodian')).toBe('day.csv');
    expect(userPath('day.csv', {}, '/srv/custodian')).toBe('day.csv');
  });
});

describe('the command of a command line', () => {
  it('moves the options typed before the command after it, values and all', () => {
    expect(splitCommand(['flags', 'verify', '7'])).toEqual(['flags', ['verify', '7']]);
    expect(splitCommand(['--actor', '王小明', 'flags', 'verify', '7', '--json'])).toEqual([
      'flags',
      ['verify', '7', '--json', '--actor', '王小明'],
    ]);
    expect(splitCommand(['--json', '--config', 'c.json', 'run', 'a.csv'])).toEqual([
      'run',
      ['a.csv', '--json', '--config', 'c.json'],
    ]);
    expect(splitCommand(['--actor=x', 'run'])).toEqual(['run', ['--actor=x']]);
    // No command: help is shown for it.
    expect(splitCommand(['--help'])).toEqual([undefined, ['--help']]);
    expect(splitCommand([])).toEqual([undefined, []]);
  });
});

describe('page window', () => {
  it('clamps limit and offset, and never lets NaN through as "no limit"', () => {
    expect(pageWindow({})).toEqual({ limit: 50, offset: 0 });
    expect(pageWindow({ limit: 20, offset: 40 })).toEqual({ limit: 20, offset: 40 });
    expect(pageWindow({ limit: 0, offset: -5 })).toEqual({ limit: 1, offset: 0 });
    expect(pageWindow({ limit: 5000 })).toEqual({ limit: 1000, offset: 0 });
    expect(pageWindow({ limit: Number('abc'), offset: Number('x') })).toEqual({ limit: 50, offset: 0 });
    expect(pageWindow({ limit: 12.7 })).toEqual({ limit: 12, offset: 0 });
  });
});

describe('command-line errors', () => {
  function report(err: unknown): { code: number; notes: string[]; result: unknown } {
    const notes: string[] = [];
    let result: unknown;
    const out: CliOutput = {
      json: true,
      say: (l) => notes.push(l),
      note: (l) => notes.push(l),
      progress: () => {},
      result: (o) => {
        result = o;
      },
    };
    return { code: reportCliError(err, out), notes, result };
  }
  function parseError(args: string[]): unknown {
    try {
      parseArgs({ args, options: { offset: { type: 'string' } }, allowPositionals: false });
    } catch (err) {
      return err;
    }
    throw new Error('parseArgs accepted it');
  }

  it('reports every parseArgs refusal as a usage error worded like the others, on one line', () => {
    const cases: [string[], string][] = [
      [['--nope'], 'unknown option --nope'],
      [['-x'], 'unknown option -x'],
      [['--offset', '-1'], '--offset needs a value (a value starting with "-" is written --offset=-…)'],
      [['stray'], 'unexpected argument: this command takes options only'],
      [['--offset'], '--offset needs a value'],
    ];
    for (const [args, message] of cases) {
      const r = report(parseError(args));
      expect(r.code).toBe(2);
      expect(r.notes).toEqual([`error [USAGE]: ${message} (see --help)`]);
      expect(r.result).toEqual({ ok: false, error: { code: 'USAGE', message: `${message} (see --help)` } });
    }
    // With positionals allowed, Node's message for an unknown option ends in an unbalanced quote.
    let err: unknown;
    try {
      parseArgs({ args: ['list', '--bogus', '1'], options: {}, allowPositionals: true });
    } catch (e) {
      err = e;
    }
    expect(report(err).notes).toEqual(['error [USAGE]: unknown option --bogus (see --help)']);
    expect(report(parseError(['--offset=1', '--help=1'])).notes).toEqual([
      'error [USAGE]: unknown option --help (see --help)',
    ]);
  });

  it('leaves other errors alone: a CustodianError keeps its code, anything else is INTERNAL', () => {
    expect(parseArgsUsageError(new Error('boom'))).toBeUndefined();
    expect(report(new CustodianError('FLAG_NOT_FOUND', 'flag 9 does not exist')).code).toBe(1);
    expect(report(new Error('boom')).result).toMatchObject({ error: { code: 'INTERNAL' } });
  });
});

describe('ids and text options', () => {
  it('takes ids from 1 to the largest integer the database holds, written in decimal', () => {
    expect(idArgument('show needs an id', '1')).toBe(1);
    expect(idArgument('show needs an id', ` ${MAX_ID} `)).toBe(2_147_483_647);
    for (const bad of ['0', '0x2', '1e1', 'abc', '1.0', '-3', '', '+4'])
      expect(usageMessage(() => idArgument('show needs an id', bad))).toBe(
        `show needs an id: a whole number from 1 to 2147483647, got "${bad}" (see --help)`,
      );
    // 7 digits or more in a row (a phone, an ID number) are quoted masked (echoValue).
    for (const [bad, shown] of [
      ['2147483648', '21******48'],
      ['13912345678', '13*******78'],
      ['610425198809050918', '61**************18'],
    ])
      expect(usageMessage(() => idArgument('show needs an id', bad))).toBe(
        `show needs an id: a whole number from 1 to 2147483647, got "${shown}" (see --help)`,
      );
    expect(usageMessage(() => idArgument('show needs an id', undefined))).toContain('none given');
  });

  it('trims text options and refuses blank ones', () => {
    expect(textOption('to', ' Bob ', 'a person')).toBe('Bob');
    expect(textOption('to', undefined, 'a person')).toBeUndefined();
    for (const blank of ['', '   ', '\t', true])
      expect(usageMessage(() => textOption('to', blank, 'a person'))).toBe(
        '--to needs a person, got a blank value (see --help)',
      );
  });

  it('refuses a blank actor before opening anything, from --actor or the environment', async () => {
    const out: CliOutput = { json: false, say() {}, note() {}, progress() {}, result() {} };
    await expect(openContextForCli({ actor: '   ' }, out)).rejects.toMatchObject({
      code: 'USAGE',
      message: '--actor needs a name (who is acting), got a blank value (see --help)',
    });
    const before = process.env.CUSTODIAN_ACTOR;
    process.env.CUSTODIAN_ACTOR = '  ';
    try {
      await expect(openContextForCli({}, out)).rejects.toMatchObject({
        code: 'USAGE',
        message: /actor is blank/,
      });
    } finally {
      if (before === undefined) delete process.env.CUSTODIAN_ACTOR;
      else process.env.CUSTODIAN_ACTOR = before;
    }
  });
});

/**
 * A reader of stdout that leaves (`| head -1`): a child process writes a long stream through
 * writeOutput and a few lines through createOutput; the parent closes the pipe at once.
 */
describe('stdout closed by its reader', () => {
  it('stops the stream quietly: writeOutput returns false, no EPIPE stack, exit 0', {
    timeout: 60_000,
  }, async () => {
    const module = fileURLToPath(new URL('./cli-support.ts', import.meta.url));
    const script = `
      const { createOutput, writeOutput, isStdoutGone } = await import(${JSON.stringify(module)});
      const out = createOutput(false);
      let n = 0;
      while (n < 1000000 && (await writeOutput(process.stdout, 'line ' + n + ' ' + 'x'.repeat(60) + '\\n'))) n++;
      out.say('after the stream');
      out.result({ ok: true });
      process.stderr.write('stopped after ' + n + ' lines, gone ' + isStdoutGone() + '\\n');
    `;
    const child = spawn(
      process.execPath,
      ['--conditions=custodian-source', '--import', 'tsx', '--input-type=module', '-e', script],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(stderr).toMatch(/^stopped after \d+ lines, gone true\n$/);
    expect(Number(/after (\d+)/.exec(stderr)![1])).toBeLessThan(1000000);
    expect(code).toBe(0);
  });
});

describe('date and choice options', () => {
  it('takes real YYYY-MM-DD days only', () => {
    expect(dateOption('due-before', '2028-02-29')).toBe('2028-02-29');
    expect(dateOption('due-before', undefined)).toBeUndefined();
    for (const bad of ['2026-02-30', '2027-02-29', 'notadate', '2026-1-5', '2026-13-01'])
      expect(usageMessage(() => dateOption('due-before', bad))).toBe(
        `--due-before must be a date written YYYY-MM-DD, got "${bad}" (see --help)`,
      );
    // Eight digits in a row could as well be a landline: quoted masked (echoValue).
    expect(usageMessage(() => dateOption('due-before', '20260105'))).toBe(
      '--due-before must be a date written YYYY-MM-DD, got "2******5" (see --help)',
    );
  });

  it('takes a listed value whatever its case, and lists the values when it is not one', () => {
    const rules = ['DUP_PHONE', 'ID_CONFLICT'] as const;
    expect(choiceOption('rule', 'dup_phone', rules)).toBe('DUP_PHONE');
    expect(choiceOption('rule', undefined, rules)).toBeUndefined();
    expect(usageMessage(() => choiceOption('rule', 'bogus', rules))).toBe(
      '--rule must be one of DUP_PHONE, ID_CONFLICT; got "bogus" (see --help)',
    );
    expect(usageMessage(() => choiceOption('rule', '13812345678', rules))).toBe(
      '--rule must be one of DUP_PHONE, ID_CONFLICT; got "13*******78" (see --help)',
    );
  });
});

// A value typed in the wrong place may be personal data (an ID number given as a flag id, a phone
// as a batch); a usage message is written to terminals, cron mail and logs, so it quotes such a
// value masked. Ordinary mistakes are quoted as typed.
describe('values quoted in usage messages', () => {
  it('quotes short values as typed', () => {
    for (const v of [
      'abc',
      '',
      '1e1',
      '2026-13-01',
      '2026-11-30T08:00:00Z',
      '123456',
      'BANK_ACCOUNT_HOLDER_MISMATCH',
    ])
      expect(echoValue(v)).toBe(`"${v}"`);
  });

  it('masks a run of 7 digits or more, keeping the first and last character, two from 10 characters', () => {
    expect(echoValue('1234567')).toBe('"1*****7"');
    expect(echoValue('13812345678')).toBe('"13*******78"');
    expect(echoValue('610425198809050918')).toBe('"61**************18"');
    // The run may be anywhere in the value.
    expect(echoValue('id=610425198809050918')).toBe('"id*****************18"');
  });

  it('counts digits across single spaces and hyphens, as phones and cards are written, but not in a date', () => {
    expect(echoValue('138 1234 5678')).toBe('"13*********78"');
    expect(echoValue('0755-6226567')).toBe('"07********67"');
    expect(echoValue('6222 0212 3456 5678')).toBe('"62***************78"');
    // YYYY-MM-DD is 8 digits and says nothing about anyone: shown, even when it is no real day.
    expect(echoValue('2026-02-30')).toBe('"2026-02-30"');
  });

  it('masks a value in Chinese, which no option takes: it may be a name or an address', () => {
    expect(echoValue('张小明')).toBe('"张*明"');
    expect(echoValue('张三')).toBe('"张*"');
    expect(echoValue('李')).toBe('"*"');
    expect(echoValue('广东省深圳市南山区科技园')).toBe('"广东********技园"');
  });

  it('shortens a long value to its ends and its length', () => {
    const long = 'Room 2001, East Tower, 1 Keji Road, Nanshan, Shenzhen';
    expect(echoValue(long)).toBe(`"Ro…en" (${long.length} characters)`);
    // Counted in code points: a supplementary-plane character is one character, never cut.
    expect(echoValue(`𠈌${'a'.repeat(40)}𠈌`)).toBe('"𠈌a…a𠈌" (42 characters)');
  });
});
