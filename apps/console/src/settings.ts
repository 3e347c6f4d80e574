import { type Config, type ConsoleSettings, consoleSettingsSchema } from '@custodian/core';

/**
 * The console's settings are the `console` section of Custodian's one configuration schema
 * (packages/core/src/config/console.ts, every default with its reason): kept in core so that every
 * app refuses a misspelt setting at start-up.
 */
export { type ConsoleSettings, consoleSettingsSchema };

/** Reads the console section; throws a zod error naming the bad setting (reported by the CLI). */
export function readConsoleSettings(config: Config): ConsoleSettings {
  return consoleSettingsSchema.parse(config.console ?? {});
}
