/**
 * A small router: routes are declared with an id (the key of the authorisation policy), a method
 * and a path pattern with `:name` segments. Parameters match one path segment and are handed back
 * decoded; handlers check their own shape (a flag id must be digits).
 */
export interface RouteMatch<H> {
  route: RouteDef<H>;
  params: Record<string, string>;
}

export interface RouteDef<H> {
  id: string;
  method: 'GET' | 'POST';
  path: string;
  handler: H;
}

interface Compiled<H> {
  def: RouteDef<H>;
  regex: RegExp;
  keys: string[];
}

export class Router<H> {
  private readonly compiled: Compiled<H>[] = [];

  add(def: RouteDef<H>): this {
    const keys: string[] = [];
    const pattern = def.path
      .split('/')
      .map((seg) => {
        if (seg.startsWith(':')) {
          keys.push(seg.slice(1));
          return '([^/]+)';
        }
        return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    this.compiled.push({ def, regex: new RegExp(`^${pattern}$`), keys });
    return this;
  }

  get routes(): RouteDef<H>[] {
    return this.compiled.map((c) => c.def);
  }

  /** The route for method and path; `methodNotAllowed` when only the method differs. */
  match(method: string, path: string): RouteMatch<H> | 'notFound' | 'methodNotAllowed' {
    let pathMatched = false;
    for (const c of this.compiled) {
      const m = c.regex.exec(path);
      if (!m) continue;
      pathMatched = true;
      const wanted = method === 'HEAD' ? 'GET' : method;
      if (c.def.method !== wanted) continue;
      const params: Record<string, string> = {};
      try {
        c.keys.forEach((k, i) => {
          params[k] = decodeURIComponent(m[i + 1]!);
        });
      } catch {
        return 'notFound';
      }
      return { route: c.def, params };
    }
    return pathMatched ? 'methodNotAllowed' : 'notFound';
  }
}
