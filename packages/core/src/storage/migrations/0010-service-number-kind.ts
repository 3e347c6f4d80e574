import { type Kysely, sql } from 'kysely';

/**
 * What each service number is: `mobile`, `landline` or `iot` (null when its shape was not
 * recognised). The telecom real-name rule ID_LINE_LIMIT limits the *mobile* numbers one ID holds
 * (rulebook §1: "at most five mobile numbers with one operator"); counting every service number
 * flagged a customer with a fixed line or an IoT card beside five mobiles.
 *
 * Records stored before this column are classified from their masked number, which keeps the
 * shape of the number it masks (`maskPhone`): a mobile number masks as `139****5678` (11
 * characters, the middle four hidden), a landline starts with its trunk 0, an IoT number is 13
 * characters starting with 1. Anything else stays null and is not counted, as a number the
 * validators did not recognise is not on a record ingested after this migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of ['customers', 'staging_customers']) {
    await sql`alter table ${sql.table(table)} add column service_number_kind text`.execute(db);
  }
  await sql`update customers set service_number_kind = case
      when service_number_masked ~ '^1[0-9]{2}[*]{4}[0-9]{4}$' then 'mobile'
      when service_number_masked ~ '^0[0-9]' then 'landline'
      when service_number_masked ~ '^1[0-9*]{12}$' then 'iot'
    end
    where service_number_masked is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['customers', 'staging_customers']) {
    await sql`alter table ${sql.table(table)} drop column if exists service_number_kind`.execute(db);
  }
}
