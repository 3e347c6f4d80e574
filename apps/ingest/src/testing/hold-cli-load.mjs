// Test helper, loaded with `node --import <this file>`: holds the loading of the command line
// (cli.ts) open until the test lets it go, so that a test can send a signal while it loads.
// CUSTODIAN_TEST_HOLD names a file: when cli.ts is about to load, `<file>.reached` is written, and
// the load waits until `<file>` is deleted.
import { register } from 'node:module';

register('./hold-cli-load-hooks.mjs', import.meta.url, { data: { file: process.env.CUSTODIAN_TEST_HOLD } });
