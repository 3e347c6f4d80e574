import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/**
 * `manifest.json` of an output folder: every report file written there, with its SHA-256, so
 * that a recipient can check what was distributed and a rebuild can be compared with the
 * original (the same data gives the same hashes). Entries are keyed by path and kept sorted; the
 * file is replaced atomically.
 */
export const MANIFEST_FORMAT = 'custodian-reports-manifest-1';

export interface ManifestEntry {
  /** Path relative to the output folder, with `/` separators. */
  path: string;
  kind: string;
  period: string;
  lang: string;
  format: 'xlsx' | 'pdf';
  bytes: number;
  sha256: string;
  /** The scheduled generation time printed in the report (ISO 8601). */
  generatedAt: string;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  files: ManifestEntry[];
}

export async function sha256File(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

export function readManifest(outDir: string): Manifest {
  const file = join(outDir, 'manifest.json');
  if (!existsSync(file)) return { format: MANIFEST_FORMAT, files: [] };
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Manifest>;
  return { format: MANIFEST_FORMAT, files: Array.isArray(parsed.files) ? parsed.files : [] };
}

export function updateManifest(outDir: string, entries: ManifestEntry[]): Manifest {
  const manifest = readManifest(outDir);
  const byPath = new Map(manifest.files.map((f) => [f.path, f]));
  for (const e of entries) byPath.set(e.path, e);
  const next: Manifest = {
    format: MANIFEST_FORMAT,
    files: [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
  };
  const file = join(outDir, 'manifest.json');
  writeFileSync(`${file}.tmp`, `${JSON.stringify(next, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  return next;
}

export function relativePath(outDir: string, file: string): string {
  return relative(outDir, file).split(sep).join('/');
}
