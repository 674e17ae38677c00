/**
 * A minimal browser for protocol tests: keeps cookies per host, follows redirects one by one,
 * posts forms as urlencoded bodies, and stops when a redirect leaves the IdP (the relying
 * party's callback), returning that URL.
 */
export interface Page {
  url: string;
  status: number;
  html: string;
  headers: Headers;
}

export class Browser {
  private jar = new Map<string, Map<string, string>>();

  /** `headers`: sent with every request (a forged X-Forwarded-For, for instance). */
  constructor(private readonly origin: string, private readonly acceptLanguage = 'vi', private readonly headers: Record<string, string> = {}) {}

  cookieNames(): string[] {
    return [...(this.jar.get(new URL(this.origin).host)?.keys() ?? [])];
  }

  /** Every cookie value the IdP set and still holds (to check none is ever logged). */
  cookieValues(): string[] {
    return [...(this.jar.get(new URL(this.origin).host)?.values() ?? [])];
  }

  private cookieHeader(url: URL): string {
    const c = this.jar.get(url.host);
    return c ? [...c].map(([k, v]) => `${k}=${v}`).join('; ') : '';
  }

  private store(url: URL, res: Response) {
    const c = this.jar.get(url.host) ?? new Map<string, string>();
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      if (!value || /expires=Thu, 01 Jan 1970/i.test(line)) c.delete(name);
      else c.set(name, value);
    }
    this.jar.set(url.host, c);
  }

  /** One request, no redirect following. */
  async request(url: string, init: { method?: string; form?: Record<string, string>; multipart?: FormData; headers?: Record<string, string> } = {}): Promise<Response> {
    const u = new URL(url, this.origin);
    const headers: Record<string, string> = { 'accept-language': this.acceptLanguage, ...this.headers, ...(init.headers ?? {}) };
    const cookie = this.cookieHeader(u);
    if (cookie) headers.cookie = cookie;
    let body: string | FormData | undefined = init.multipart;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(u, { method: init.method ?? (body !== undefined ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    this.store(u, res);
    return res;
  }

  /**
   * Requests and follows redirects within the IdP. Returns the final page, or { leftTo } when
   * a redirect points outside the IdP (the application's callback).
   */
  async go(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Page & { leftTo?: string }> {
    let res = await this.request(url, init);
    let current = new URL(url, this.origin).toString();
    for (let i = 0; i < 20 && res.status >= 300 && res.status < 400; i++) {
      const next = new URL(res.headers.get('location')!, current).toString();
      if (new URL(next).origin !== new URL(this.origin).origin) {
        await res.arrayBuffer();
        return { url: current, status: res.status, html: '', headers: res.headers, leftTo: next };
      }
      await res.arrayBuffer();
      current = next;
      res = await this.request(next);
    }
    return { url: current, status: res.status, html: await res.text(), headers: res.headers };
  }
}

/** The value of a named hidden input in a page. */
export function inputValue(html: string, name: string): string | undefined {
  const re = new RegExp(`<input[^>]*name="${name}"[^>]*>`, 'i');
  const tag = re.exec(html)?.[0];
  return tag ? /value="([^"]*)"/.exec(tag)?.[1]?.replace(/&amp;/g, '&') : undefined;
}

/** The action of the form that contains a field or button with the given name. */
export function formAction(html: string, containing: string): string | undefined {
  const forms = html.match(/<form[\s\S]*?<\/form>/gi) ?? [];
  const form = forms.find((f) => f.includes(`name="${containing}"`));
  return form ? /action="([^"]*)"/.exec(form)?.[1]?.replace(/&amp;/g, '&') : undefined;
}
