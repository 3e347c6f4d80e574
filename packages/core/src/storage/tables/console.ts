/** Tables of the review console (apps/console): accounts and sessions, created by migration 0003. */
// biome-ignore lint/suspicious/noEmptyInterface: filled by the console's migration
export interface ConsoleTables {}
