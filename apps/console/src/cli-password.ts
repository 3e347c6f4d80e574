import { CustodianError } from '@custodian/core';

/**
 * A password for the command line, never taken from an argument (it would stay in the shell
 * history and the process list): on a terminal it is asked for twice without echo; otherwise
 * the first line of standard input is used (`echo … | pnpm console create-admin alice`). Empty
 * means "generate one".
 */
export async function readPassword(question: string): Promise<string> {
  if (process.stdin.isTTY) {
    const first = await promptHidden(question);
    if (first === '') return '';
    const again = await promptHidden('Repeat the password: ');
    if (again !== first) throw new CustodianError('USAGE', 'the two passwords differ');
    return first;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return (text.split(/\r?\n/)[0] ?? '').trim();
}

/** Keystrokes typed ahead of a prompt (both answers pasted at once) wait here for the next prompt. */
let typedAhead = '';

function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = () => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
    };
    /** Consumes characters up to the end of the line; true when the answer is complete. */
    const take = (data: string): boolean => {
      const chars = [...data];
      for (let i = 0; i < chars.length; i++) {
        const ch = chars[i]!;
        if (ch === '\r' || ch === '\n') {
          let rest = chars.slice(i + 1).join('');
          if (ch === '\r' && rest.startsWith('\n')) rest = rest.slice(1);
          typedAhead = rest;
          finish();
          resolve(value);
          return true;
        }
        if (ch === '\u0003' || ch === '\u0004') {
          finish();
          reject(new CustodianError('USAGE', 'cancelled'));
          return true;
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
      return false;
    };
    const onData = (data: string) => {
      take(data);
    };
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.on('data', onData);
    const ahead = typedAhead;
    typedAhead = '';
    if (ahead && take(ahead)) return;
    stdin.resume();
  });
}
