// Writes one batch to disk: customers, agents, complaints (CSV) and the answer key (JSON Lines).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AGENT_COLUMNS, AGENT_COLUMNS_ZH, generateAgents } from './agents.js';
import { COMPLAINT_COLUMNS, generateComplaints } from './complaints.js';
import { type CsvEncoding, CsvFileWriter } from './csv-writer.js';
import { CUSTOMER_COLUMNS, CUSTOMER_COLUMNS_ZH, type CustomerRow, generateCustomers } from './customers.js';
import { NEGATIVE_LABEL_RULES } from './defects.js';
import type { SampleOptions } from './options.js';

export interface WriteSampleOptions extends SampleOptions {
  /** Canonical English headers (default) or the first Chinese alias of formats.md. Complaints keep English headers: formats.md names no Chinese ones. */
  headers?: 'en' | 'zh';
  /** Encoding of the CSV files (default utf8); labels.jsonl is always UTF-8. */
  encoding?: CsvEncoding;
}

export interface SampleFiles {
  customersFile: string;
  agentsFile: string;
  complaintsFile: string;
  labelsFile: string;
  /** customers, agents, complaints, labels, defectRecords (records with at least one rulebook label), and one count per label rule. */
  counts: Record<string, number>;
}

/**
 * One CSV line of a generated row, in CUSTOMER_COLUMNS order. Generated values never hold a comma,
 * a quote or a line break (they come from fixed tables, and resolveOptions rejects such an
 * idPrefix), so no field needs quoting; skipping the per-field check halves the cost of writing.
 * The test suite checks this against csvLine.
 */
export function customerLine(r: CustomerRow): string {
  return `${r.record_id},${r.archive_no},${r.customer_type},${r.customer_class},${r.holder_name},${r.holder_gender},${r.holder_birth_date},${r.holder_id_type},${r.holder_id_number},${r.holder_phone},${r.holder_address},${r.insured_name},${r.insured_gender},${r.insured_birth_date},${r.insured_id_type},${r.insured_id_number},${r.bank_account},${r.bank_account_name},${r.service_number},${r.agent_id},${r.channel},${r.branch},${r.contract_no},${r.sign_date},${r.consent},${r.secrecy_level}\n`;
}

/**
 * Generates a batch into `dir` (created if needed; existing files of the same names are replaced):
 * customers.csv, agents.csv, complaints.csv and labels.jsonl. Customers are streamed, so a
 * million rows take no more memory than a hundred.
 */
export async function writeSampleFiles(dir: string, opts: WriteSampleOptions): Promise<SampleFiles> {
  await mkdir(dir, { recursive: true });
  const encoding = opts.encoding ?? 'utf8';
  const zh = opts.headers === 'zh';
  const files = {
    customersFile: join(dir, 'customers.csv'),
    agentsFile: join(dir, 'agents.csv'),
    complaintsFile: join(dir, 'complaints.csv'),
    labelsFile: join(dir, 'labels.jsonl'),
  };
  const agents = generateAgents(opts);
  const complaints = generateComplaints(agents, opts);
  const counts: Record<string, number> = {
    customers: 0,
    agents: agents.length,
    complaints: complaints.length,
    labels: 0,
    defectRecords: 0,
  };
  const negative = new Set<string>(NEGATIVE_LABEL_RULES);

  const customers = CsvFileWriter.open(files.customersFile, encoding);
  const labels = CsvFileWriter.open(files.labelsFile, 'utf8');
  try {
    await customers.writeRow(CUSTOMER_COLUMNS.map((c) => (zh ? CUSTOMER_COLUMNS_ZH[c] : c)));
    for (const { row, defects } of generateCustomers(opts)) {
      counts.customers!++;
      const pending = customers.writeText(customerLine(row));
      if (pending) await pending;
      if (defects.length === 0) continue;
      let flagged = false;
      for (const d of defects) {
        counts[d.rule] = (counts[d.rule] ?? 0) + 1;
        counts.labels!++;
        if (!negative.has(d.rule)) flagged = true;
        const more = labels.writeText(`${JSON.stringify(d)}\n`);
        if (more) await more;
      }
      if (flagged) counts.defectRecords!++;
    }
  } catch (err) {
    customers.abort();
    labels.abort();
    throw err;
  }
  await customers.close();
  await labels.close();

  const agentFile = CsvFileWriter.open(files.agentsFile, encoding);
  await agentFile.writeRow(AGENT_COLUMNS.map((c) => (zh ? AGENT_COLUMNS_ZH[c] : c)));
  for (const a of agents) await agentFile.writeRow(AGENT_COLUMNS.map((c) => a[c]));
  await agentFile.close();

  const complaintFile = CsvFileWriter.open(files.complaintsFile, encoding);
  await complaintFile.writeRow(COMPLAINT_COLUMNS);
  for (const c of complaints) await complaintFile.writeRow(COMPLAINT_COLUMNS.map((k) => c[k]));
  await complaintFile.close();

  return { ...files, counts };
}
