// Shared vitest settings: tests read the TypeScript source of workspace packages through the
// "custodian-source" export condition, the same one tsx uses for the command-line apps.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['custodian-source'] },
  ssr: { resolve: { conditions: ['custodian-source'] } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Workspace packages are transformed by vitest, so that their own imports of each other
    // also go through the custodian-source condition.
    server: { deps: { inline: [/@custodian\//] } },
  },
});
