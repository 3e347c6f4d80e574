#!/usr/bin/env node
// The installed command: the built command line (dist/start.js, which loads dist/cli.js). A file of its own, in the
// repository, so that pnpm can link it at install time, before anything is built.
try {
  await import('../dist/start.js');
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/start.js')) {
    console.error('custodian-ingest is not built yet: run `npx -y pnpm@10.34.8 build` first');
    process.exit(1);
  }
  throw err;
}
