/**
 * HTML built by a tagged template that escapes every interpolated value unless it is itself
 * built by `html` (or explicitly `raw`). Customer data, reasons, notes and filter values all
 * arrive as plain strings and so are always shown as text, never as markup (XSS).
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

const SPECIAL = /[&<>"'`]/;

export function escapeHtml(value: string): string {
  // Most values (numbers, dates, codes) have nothing to escape: skip the replace for them.
  if (!SPECIAL.test(value)) return value;
  return value.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

/** Trusted markup: only for constant strings written in this code base. */
export function raw(value: string): SafeHtml {
  return new SafeHtml(value);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** A URL path with its query, every parameter encoded; for href and action attributes. */
export function href(path: string, query: Record<string, string | number | undefined | null> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query))
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}
