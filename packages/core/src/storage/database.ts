import type { AuditorTables } from './tables/auditor.js';
import type { ConsoleTables } from './tables/console.js';
import type { CoreTables } from './tables/core.js';

export type * from './tables/auditor.js';
export type * from './tables/console.js';
export type * from './tables/core.js';
export { FLAG_STATUSES } from './tables/core.js';

/** Every table of Custodian, one interface per area, one Kysely type for all. */
export interface Database extends CoreTables, AuditorTables, ConsoleTables {}
