#!/usr/bin/env -S npx tsx
/**
 * A seeded fuzzer for a running IdP: thousands of random requests over every endpoint
 * (protocol, interaction pages, assets, health, metrics, /admin, /account) with random methods,
 * paths, headers, cookies, bodies and protocol parameters. It reports:
 *   - any 5xx other than an honest 503 (one that says the service is temporarily unavailable),
 *   - any response that shows a stack trace or internal detail (source paths, driver or query
 *     text, error class names),
 *   - requests the server never answered, and a server that stops answering (/healthz at the end).
 *
 *   npx tsx scripts/fuzz.ts --url http://127.0.0.1:3000 --requests 5000 --seed 1
 *   npm run fuzz -- --url http://127.0.0.1:3000 --requests 5000 --seed 1 [--client-id ID --redirect-uri URI] [--json]
 *
 * The same seed sends the same requests. Exit code 0: a clean report; 1: problems found; 2: usage.
 * Only point it at a server of your own: it is a load of garbage by design.
 */
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { findLeak } from '../test/helpers/hostile.js';

export interface FuzzOptions {
  url: string;
  requests: number;
  seed: number;
  /** Requests in flight at once. */
  concurrency?: number;
  /** How long one request may take before it counts as unanswered. */
  timeoutMs?: number;
  /** A registered client and one of its redirect URIs: requests then also reach real login pages. */
  clientId?: string | undefined;
  redirectUri?: string | undefined;
}

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer | undefined;
}

export interface Problem {
  kind: 'server_error' | 'leak' | 'no_answer';
  method: string;
  path: string;
  status?: number;
  detail: string;
}

export interface FuzzReport {
  url: string;
  seed: number;
  requests: number;
  answered: number;
  /** Requests Node's client refused to send as written (an invalid header or path): not the server's doing. */
  unsendable: number;
  /** Oversized requests the server closed the connection on before reading them all (its answer is lost in the reset). */
  refusedUnread: number;
  statuses: Record<string, number>;
  problems: Problem[];
  /** /healthz answered 200 after the run. */
  alive: boolean;
  ms: number;
}

// ---- what is sent ---------------------------------------------------------------------------

const UID = '__UID__';
const PATHS = [
  '/', '/auth', `/auth/${UID}`, '/token', '/me', '/jwks', '/token/introspection', '/token/revocation', '/session/end', '/session/end/confirm',
  '/session/end/success', '/.well-known/openid-configuration', '/.well-known/webfinger', '/reg', '/request', '/device', '/backchannel',
  `/interaction/${UID}`, `/interaction/${UID}/login`, `/interaction/${UID}/continue`, `/interaction/${UID}/confirm`, `/interaction/${UID}/abort`,
  '/assets/style.css', '/assets/', '/assets/../package.json', '/assets/%2e%2e/%2e%2e/etc/passwd', '/assets/..%2f..%2fsrc%2fmain.ts', '/assets/nope.js',
  '/healthz', '/readyz', '/metrics',
  '/admin', '/admin/', '/admin/accounts', '/admin/accounts/x', '/admin/clients', '/admin/clients/new', '/admin/clients/x', '/admin/sync', '/admin/audit', '/admin/login', '/admin/callback',
  '/account', '/account/', '/account/sessions', '/account/applications', '/account/logout', '/account/callback',
  '/favicon.ico', '/robots.txt', '/.env', '/%00', '/%ff', '/..', '//', '/auth//x', '/AUTH', '/token/', '/interaction', '/interaction/',
];
const PARAM_NAMES = [
  'client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'prompt', 'max_age',
  'ui_locales', 'login_hint', 'claims', 'request', 'request_uri', 'response_mode', 'id_token_hint', 'post_logout_redirect_uri', 'grant_type',
  'code', 'code_verifier', 'refresh_token', 'token', 'token_type_hint', 'client_secret', 'client_assertion', 'client_assertion_type', 'resource',
  'login', 'password', 'csrf', 'xsrf', 'logout', 'lang', 'q', 'page', 'status', 'limit', 'id', '__proto__', 'constructor', 'a[b]', 'a[]',
];
const METHODS = ['GET', 'GET', 'GET', 'GET', 'GET', 'POST', 'POST', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'PROPFIND', 'get'];
const COOKIE_NAMES = ['sso_session', 'sso_session.sig', 'sso_interaction', 'sso_interaction.sig', 'sso_resume', 'sso_resume.sig', 'sso_csrf', 'sso_lang', 'sso_console', 'x'];

const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.nat({ max: 6000 }).map((n) => 'A'.repeat(n)) },
  { weight: 1, arbitrary: fc.json({ maxDepth: 2 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '', 'openid', 'openid profile email offline_access', 'code', 'S256', 'plain', 'none', 'login', 'consent', 'authorization_code', 'refresh_token',
      'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code', 'vi', 'en', '0', '-1', '1e999', 'null', 'true', '[]', '{}', '%', '%zz', '\u0000',
      '__CLIENT__', '__CLIENT__', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', 'http://127.0.0.1:9/cb', 'https://evil.example/', 'javascript:alert(1)', '../../etc/passwd', "' OR 1=1 --", '<script>alert(1)</script>',
    ),
  },
);

const params = fc.array(fc.tuple(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...PARAM_NAMES) }, { weight: 1, arbitrary: fc.string({ maxLength: 10 }) }), text), { maxLength: 10 });
const rawQuery = fc.array(fc.constantFrom('%', '%zz', '%C0%AF', '%ED%A0%80', '%FF', '&', '=', '+', ';', 'a=1', 'scope=openid', '%00'), { maxLength: 8 }).map((p) => p.join(''));

const headerValue = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('', ' ', '*/*', 'text/html', 'application/json', 'vi', 'en;q=0.5, vi', 'x'.repeat(2000)));
const contentType = fc.constantFrom(
  'application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=utf-8', 'application/x-www-form-urlencoded; charset=utf-16',
  'application/json', 'application/jwt', 'multipart/form-data; boundary=x', 'multipart/form-data', 'text/plain', 'application/xml', 'garbage/garbage; ;;',
);
const authorization = fc.oneof(
  fc.constantFrom('Basic', 'Basic ', 'Basic !!!', 'Basic Og==', 'Bearer', 'Bearer x', 'Bearer ' + 'x'.repeat(5000), 'DPoP x', 'Negotiate x'),
  fc.tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 })).map(([u, p]) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`),
);
const cookie = fc.array(fc.tuple(fc.constantFrom(...COOKIE_NAMES), fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('', '%', 'a'.repeat(4000), 'eyJ9', 's:abc.def')) ), { maxLength: 5 }).map((c) => c.map(([k, v]) => `${k}=${v}`).join('; '));

const headers = fc.record(
  {
    accept: fc.oneof(headerValue, fc.constantFrom('text/html', 'application/json', '*/*')),
    'accept-language': headerValue,
    'content-type': contentType,
    authorization,
    cookie,
    origin: fc.constantFrom('null', 'http://127.0.0.1:9', 'https://evil.example', 'file://'),
    referer: headerValue,
    'x-forwarded-for': fc.constantFrom('1.2.3.4', '::1', 'garbage', '1.1.1.1, 2.2.2.2', ''),
    'x-forwarded-proto': fc.constantFrom('https', 'http', 'gopher'),
    'x-forwarded-host': fc.constantFrom('evil.example', ''),
    dpop: fc.constantFrom('x', 'a.b.c'),
    'user-agent': headerValue,
    'if-none-match': fc.constantFrom('*', 'W/"x"'),
    range: fc.constantFrom('bytes=0-1', 'bytes=-1', 'bytes=9999999-', 'garbage'),
  },
  { requiredKeys: [] },
);

const body = fc.oneof(
  { weight: 4, arbitrary: params.map((p) => Buffer.from(new URLSearchParams(p).toString())) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: rawQuery.map((q) => Buffer.from(q)) },
  { weight: 1, arbitrary: fc.nat({ max: 200_000 }).map((n) => Buffer.alloc(n, 0x61)) },
);

const pathArb = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...PATHS) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...PATHS), fc.string({ maxLength: 12 })).map(([p, s]) => p + encodeURIComponent(s)) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom('a', '..', '.', '%2e', '%2f', '%00', '%ff', 'auth', 'interaction', 'admin', 'assets', ';', '~'), { maxLength: 6 }).map((s) => '/' + s.join('/')) },
);

const requestArb: fc.Arbitrary<{ method: string; path: string; query: [string, string][] | string; headers: Record<string, string>; body?: Buffer; real: boolean }> = fc.record(
  {
    method: fc.constantFrom(...METHODS),
    path: pathArb,
    query: fc.oneof({ weight: 4, arbitrary: params }, { weight: 1, arbitrary: rawQuery }),
    headers,
    body,
    real: fc.boolean(),
  },
  { requiredKeys: ['method', 'path', 'query', 'headers', 'real'] },
);

/** The requests for a seed, with a real interaction uid and cookies put in where `real` is set. */
export function generate(seed: number, n: number): ReturnType<typeof requestArb.generate>['value'][] {
  return fc.sample(requestArb, { seed, numRuns: n });
}

// ---- sending ---------------------------------------------------------------------------------

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

// One connection per request: a kept-alive connection the server closes (after an unparsable
// request, or a body it refused unread) would fail the next request sent on it, and that
// would be the client's race, not the server's fault.
const agent = new http.Agent({ keepAlive: false, maxSockets: 32 });

/**
 * A request this large (body, or request line and headers past Node's 16 KiB header limit) may
 * be refused unread: the server answers and closes before it has read it all, and the kernel
 * then resets the connection, taking the answer in flight with it.
 */
const LARGE = 16 * 1024;
const tooLarge = (r: FuzzRequest) => (r.body?.length ?? 0) > LARGE || r.path.length + JSON.stringify(r.headers).length > LARGE;

function send(base: URL, r: FuzzRequest, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let req: http.ClientRequest;
    try {
      req = http.request({ host: base.hostname, port: base.port, method: r.method, path: r.path, headers: r.headers, agent, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= 1_000_000) chunks.push(c);
        });
        res.on('end', done);
        // the answer came; the connection closing under its end is not a missing answer
        res.on('error', done);
        res.on('aborted', done);
      });
    } catch (err) {
      reject(Object.assign(err as Error, { unsendable: true }));
      return;
    }
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => reject(Object.assign(err, { refusedUnread: ['ECONNRESET', 'EPIPE'].includes(err.code ?? '') && tooLarge(r) })));
    if (r.body && r.method !== 'GET' && r.method !== 'HEAD') req.end(r.body);
    else req.end();
  });
}

/** A 503 that says what it is: temporarily unavailable, as a protocol error or a page. */
function honest503(a: Answer): boolean {
  if (a.status !== 503) return false;
  const type = String(a.headers['content-type'] ?? '');
  if (/json/.test(type)) {
    try {
      return ['temporarily_unavailable', 'unavailable'].includes(String((JSON.parse(a.body) as { error?: unknown; status?: unknown }).error ?? (JSON.parse(a.body) as { status?: unknown }).status));
    } catch {
      return false;
    }
  }
  return /text\/(html|plain)/.test(type) && a.body.length > 0;
}

/** Starts a real authorization (when a client is given) for an interaction uid and its cookies. */
async function realInteraction(base: URL, o: FuzzOptions, timeoutMs: number): Promise<{ uid: string; cookie: string } | null> {
  if (!o.clientId || !o.redirectUri) return null;
  const q = new URLSearchParams({ client_id: o.clientId, redirect_uri: o.redirectUri, response_type: 'code', scope: 'openid profile', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256', state: 'fuzz' });
  const a = await send(base, { method: 'GET', path: `/auth?${q}`, headers: {} }, timeoutMs).catch(() => null);
  const location = a ? String(a.headers.location ?? '') : '';
  const uid = /\/interaction\/([\w-]+)/.exec(location)?.[1];
  if (!a || !uid) return null;
  const cookies = ([] as string[]).concat(a.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!).join('; ');
  return { uid, cookie: cookies };
}

export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const base = new URL(o.url);
  const timeoutMs = o.timeoutMs ?? 15_000;
  const started = Date.now();
  const planned = generate(o.seed, o.requests);
  const report: FuzzReport = { url: o.url, seed: o.seed, requests: o.requests, answered: 0, unsendable: 0, refusedUnread: 0, statuses: {}, problems: [], alive: false, ms: 0 };
  let interaction = await realInteraction(base, o, timeoutMs);
  let next = 0;

  const one = async (p: (typeof planned)[number], i: number) => {
    if (p.real && i % 50 === 0) interaction = (await realInteraction(base, o, timeoutMs)) ?? interaction;
    const uid = p.real && interaction ? interaction.uid : 'x'.repeat((i % 3) * 7) + String(i);
    const query = typeof p.query === 'string' ? p.query : new URLSearchParams(p.query.map(([k, v]): [string, string] => [k, v.replace('__CLIENT__', o.clientId ?? '')])).toString();
    const path = p.path.split(UID).join(uid) + (query ? `?${query}` : '');
    const headers = { ...p.headers };
    if (p.real && interaction) headers.cookie = [interaction.cookie, headers.cookie].filter(Boolean).join('; ');
    const r: FuzzRequest = { method: p.method, path, headers, body: p.body };
    try {
      const a = await send(base, r, timeoutMs);
      report.answered++;
      report.statuses[a.status] = (report.statuses[a.status] ?? 0) + 1;
      const shown = { method: r.method, path: r.path.slice(0, 300), status: a.status };
      if (a.status >= 500 && !honest503(a)) report.problems.push({ kind: 'server_error', ...shown, detail: a.body.slice(0, 300) });
      const leak = findLeak(a.body) ?? findLeak(Object.values(a.headers).join('\n'));
      if (leak) report.problems.push({ kind: 'leak', ...shown, detail: `${leak}: ${a.body.slice(0, 300)}` });
    } catch (err) {
      if ((err as { unsendable?: boolean }).unsendable || (err as { code?: string }).code === 'ERR_INVALID_CHAR' || (err as { code?: string }).code === 'ERR_HTTP_INVALID_HEADER_VALUE') {
        report.unsendable++;
        return;
      }
      if ((err as { refusedUnread?: boolean }).refusedUnread) {
        report.refusedUnread++;
        return;
      }
      report.problems.push({ kind: 'no_answer', method: r.method, path: r.path.slice(0, 300), detail: (err as Error).message.slice(0, 300) });
    }
  };

  const worker = async () => {
    while (next < planned.length) {
      const i = next++;
      await one(planned[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency ?? 8) }, worker));

  const health = await send(base, { method: 'GET', path: '/healthz', headers: {} }, timeoutMs).catch(() => null);
  report.alive = health?.status === 200;
  report.ms = Date.now() - started;
  agent.destroy();
  return report;
}

export function isClean(r: FuzzReport): boolean {
  return r.alive && r.problems.length === 0;
}

// ---- command line ----------------------------------------------------------------------------

function parseArgs(argv: string[]): FuzzOptions & { json: boolean } {
  const o: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const key = a.slice(2);
    if (key === 'json') o.json = true;
    else if (key === 'help') o.help = true;
    else {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      o[key] = v;
    }
  }
  if (o.help) throw new Error('help');
  const int = (k: string, d: number) => {
    const v = o[k] === undefined ? d : Number(o[k]);
    if (!Number.isInteger(v) || v < 0) throw new Error(`--${k} must be a whole number`);
    return v;
  };
  if (typeof o.url !== 'string') throw new Error('--url is required');
  const url = new URL(o.url);
  if (url.protocol !== 'http:') throw new Error('--url must be http:// (a server of your own on this machine)');
  return {
    url: url.toString().replace(/\/$/, ''),
    requests: int('requests', 1000),
    seed: int('seed', 1),
    concurrency: int('concurrency', 8),
    timeoutMs: int('timeout', 15_000),
    clientId: typeof o['client-id'] === 'string' ? o['client-id'] : undefined,
    redirectUri: typeof o['redirect-uri'] === 'string' ? o['redirect-uri'] : undefined,
    json: o.json === true,
  };
}

const USAGE = 'usage: npx tsx scripts/fuzz.ts --url http://127.0.0.1:3000 [--requests 1000] [--seed 1] [--concurrency 8] [--timeout 15000] [--client-id ID --redirect-uri URI] [--json]';

async function main(argv: string[]): Promise<number> {
  let o: ReturnType<typeof parseArgs>;
  try {
    o = parseArgs(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message === 'help' ? '' : `fuzz: ${(err as Error).message}\n`}${USAGE}\n`);
    return (err as Error).message === 'help' ? 0 : 2;
  }
  const report = await runFuzz(o);
  if (o.json) process.stdout.write(JSON.stringify(report) + '\n');
  else {
    process.stdout.write(`fuzz ${report.url} seed ${report.seed}: ${report.answered}/${report.requests} answered (${report.unsendable} not sendable as written, ${report.refusedUnread} oversized refused unread) in ${report.ms} ms\n`);
    process.stdout.write(`statuses: ${Object.entries(report.statuses).map(([s, n]) => `${s}×${n}`).join(' ')}\n`);
    for (const p of report.problems.slice(0, 50)) process.stdout.write(`${p.kind} ${p.method} ${p.path} ${p.status ?? ''} ${p.detail.replace(/\s+/g, ' ').slice(0, 200)}\n`);
    process.stdout.write(`${report.alive ? 'server alive' : 'SERVER NOT ANSWERING'}; ${report.problems.length} problem(s)\n`);
  }
  return isClean(report) ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (err: Error) => {
    process.stderr.write(`fuzz: ${err.message}\n`);
    process.exit(1);
  });
}
