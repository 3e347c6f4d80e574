import { existsSync, readFileSync } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';

/**
 * The generated reports offered for download on the dashboard: the files under `reports.outDir`
 * (apps/reports), described by its `manifest.json` (format `custodian-reports-manifest-1`: path,
 * kind, period, lang, format, bytes, sha256, generatedAt) when present. A file is served only if
 * it is in this listing and really lies inside the folder (no `..`, no symlink out of it).
 */
export interface ReportFile {
  /** Relative to the folder, `/`-separated: the identifier in download links. */
  path: string;
  bytes: number;
  modifiedAt: Date;
  kind?: string;
  period?: string;
  lang?: string;
  generatedAt?: string;
  sha256?: string;
}

const SERVED_TYPES: Record<string, string> = {
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.pdf': 'application/pdf',
  '.csv': 'text/csv; charset=utf-8',
  '.jsonl': 'application/x-ndjson; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.zip': 'application/zip',
};
const MAX_DEPTH = 3;
const MAX_FILES = 2_000;

interface ManifestEntry {
  path?: unknown;
  kind?: unknown;
  period?: unknown;
  lang?: unknown;
  generatedAt?: unknown;
  sha256?: unknown;
}

function readManifest(dir: string): Map<string, ManifestEntry> {
  const file = join(dir, 'manifest.json');
  const out = new Map<string, ManifestEntry>();
  if (!existsSync(file)) return out;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { files?: unknown };
    if (Array.isArray(parsed.files)) {
      for (const e of parsed.files as ManifestEntry[]) if (typeof e?.path === 'string') out.set(e.path, e);
    }
  } catch {
    // A manifest being rewritten or damaged: list the files without their descriptions.
  }
  return out;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export async function listReportFiles(outDir: string): Promise<ReportFile[]> {
  const root = resolve(outDir);
  if (!existsSync(root)) return [];
  const manifest = readManifest(root);
  const files: ReportFile[] = [];
  async function walk(dir: string, prefix: string, depth: number): Promise<void> {
    if (depth > MAX_DEPTH || files.length >= MAX_FILES) return;
    const entries = await readdir(dir, { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(join(dir, e.name), rel, depth + 1);
      else if (
        e.isFile() &&
        Object.hasOwn(SERVED_TYPES, extname(e.name).toLowerCase()) &&
        rel !== 'manifest.json'
      ) {
        const s = await stat(join(dir, e.name));
        const m = manifest.get(rel);
        files.push({
          path: rel,
          bytes: s.size,
          modifiedAt: s.mtime,
          ...(str(m?.kind) ? { kind: str(m?.kind) } : {}),
          ...(str(m?.period) ? { period: str(m?.period) } : {}),
          ...(str(m?.lang) ? { lang: str(m?.lang) } : {}),
          ...(str(m?.generatedAt) ? { generatedAt: str(m?.generatedAt) } : {}),
          ...(str(m?.sha256) ? { sha256: str(m?.sha256) } : {}),
        });
      }
    }
  }
  await walk(root, '', 0);
  // Newest first: the morning's reports on top.
  return files.sort(
    (a, b) => b.modifiedAt.getTime() - a.modifiedAt.getTime() || a.path.localeCompare(b.path),
  );
}

/** The file behind a listed path, or undefined when it is not a listed file inside the folder. */
export async function locateReportFile(
  outDir: string,
  path: string,
): Promise<{ file: string; contentType: string; name: string } | undefined> {
  if (
    !path ||
    path.includes('\\') ||
    path.split('/').some((seg) => seg === '' || seg === '.' || seg === '..')
  ) {
    return undefined;
  }
  const listed = await listReportFiles(outDir);
  if (!listed.some((f) => f.path === path)) return undefined;
  const root = await realpath(resolve(outDir));
  const file = await realpath(join(root, ...path.split('/')));
  if (!file.startsWith(root + sep)) return undefined;
  const type = SERVED_TYPES[extname(file).toLowerCase()];
  if (!type) return undefined;
  return { file, contentType: type, name: path.split('/').pop()! };
}
