import type { Migration } from 'kysely';
import * as foundation from './0001-foundation.js';
import * as auditor from './0002-auditor.js';
import * as consoleApp from './0003-console.js';
import * as ingestLookups from './0004-ingest-lookups.js';
import * as dropArchiveNoIndex from './0005-drop-archive-no-index.js';
import * as stagingLineIndex from './0006-staging-line-index.js';
import * as recheckAgents from './0007-recheck-agents.js';
import * as batchIdentity from './0008-batch-identity.js';
import * as pendingCorrection from './0009-pending-correction.js';
import * as serviceNumberKind from './0010-service-number-kind.js';

/** Every migration, in order. Imported statically so that bundling and both drivers see the same list. */
export const migrations: Record<string, Migration> = {
  '0001-foundation': foundation,
  '0002-auditor': auditor,
  '0003-console': consoleApp,
  '0004-ingest-lookups': ingestLookups,
  '0005-drop-archive-no-index': dropArchiveNoIndex,
  '0006-staging-line-index': stagingLineIndex,
  '0007-recheck-agents': recheckAgents,
  '0008-batch-identity': batchIdentity,
  '0009-pending-correction': pendingCorrection,
  '0010-service-number-kind': serviceNumberKind,
};
