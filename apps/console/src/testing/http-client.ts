/**
 * A minimal browser for tests over node's fetch: keeps cookies, follows nothing by itself, and
 * remembers the CSRF token of the last page so that forms can be posted like a person would.
 */
export interface HttpResponse {
  status: number;
  headers: Headers;
  body: string;
  location: string | null;
  setCookies: string[];
}

export class TestClient {
  readonly cookies = new Map<string, string>();
  csrf: string | undefined;

  constructor(readonly base: string) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private absorb(res: Response): string[] {
    const set = res.headers.getSetCookie();
    for (const line of set) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/max-age=0/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return set;
  }

  async request(
    method: 'GET' | 'POST',
    path: string,
    opts: {
      form?: Record<string, string | string[]>;
      headers?: Record<string, string>;
      csrf?: string | null;
    } = {},
  ): Promise<HttpResponse> {
    const headers: Record<string, string> = { ...opts.headers };
    const cookie = this.cookieHeader();
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (method === 'POST') {
      const params = new URLSearchParams();
      const token = opts.csrf === undefined ? this.csrf : opts.csrf;
      if (token !== null && token !== undefined) params.set('_csrf', token);
      for (const [k, v] of Object.entries(opts.form ?? {})) {
        for (const item of Array.isArray(v) ? v : [v]) params.append(k, item);
      }
      body = params.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(new URL(path, this.base), { method, headers, body, redirect: 'manual' });
    const setCookies = this.absorb(res);
    const text = await res.text();
    const m = /name="_csrf" value="([^"]+)"/.exec(text);
    if (m) this.csrf = m[1];
    return {
      status: res.status,
      headers: res.headers,
      body: text,
      location: res.headers.get('location'),
      setCookies,
    };
  }

  get(path: string, headers?: Record<string, string>): Promise<HttpResponse> {
    return this.request('GET', path, headers ? { headers } : {});
  }

  post(
    path: string,
    form: Record<string, string | string[]> = {},
    extra: { headers?: Record<string, string>; csrf?: string | null } = {},
  ) {
    return this.request('POST', path, { form, ...extra });
  }

  /** Signs in through the login form; returns the login POST's response (303 on success). */
  async login(username: string, password: string): Promise<HttpResponse> {
    await this.get('/login');
    return this.post('/login', { username, password, next: '/' });
  }
}
