// Module hooks of hold-cli-load.mjs (they run on Node's loader thread).
import { existsSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

let file;

export function initialize(data) {
  file = data?.file;
}

export async function load(url, context, nextLoad) {
  if (file && url.endsWith('/cli.ts')) {
    writeFileSync(`${file}.reached`, '');
    while (existsSync(file)) await sleep(5);
  }
  return nextLoad(url, context);
}
