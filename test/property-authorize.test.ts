/**
 * Property tests of the authorization endpoint on a live server: arbitrary, Unicode, oversized
 * and duplicated values of every authorization parameter (and unknown ones), by GET and by POST.
 * Whatever comes in: never a 5xx, never a stack or internal detail; a readable page, a
 * protocol error, or a redirect into the login (or, with the error, to the client's registered
 * redirect_uri only); never a code without a login.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { startTestServer, type TestServer } from './helpers/server.js';
import { collectUnhandled, findLeak } from './helpers/hostile.js';

const REDIRECT = 'http://127.0.0.1:9/cb';
const NATIVE = 'vn.gov.tinh.app:/callback';
let server: TestServer;
let web: string;
let spa: string;
let native: string;
const unhandled = collectUnhandled();

beforeAll(async () => {
  server = await startTestServer();
  web = (await server.services.clients.add({ name: 'Một cửa', type: 'web', redirectUris: [REDIRECT] })).client.client_id;
  spa = (await server.services.clients.add({ name: 'Cổng dịch vụ công', type: 'spa', redirectUris: ['http://127.0.0.1:9/spa'] })).client.client_id;
  native = (await server.services.clients.add({ name: 'Ứng dụng cán bộ', type: 'native', redirectUris: [NATIVE] })).client.client_id;
});
afterAll(async () => {
  await server?.stop();
  unhandled.stop();
});

const weird = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('a', '%', '\u0000', '&', '=', '#', '?', '/', '\\', '"', "'", '<', '>', '{', '}', ' ', '+', 'đ', '😀'), maxLength: 30 }) },
  { weight: 1, arbitrary: fc.nat({ max: 3000 }).map((n) => 'x'.repeat(n)) },
  { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'null', 'undefined', '[object Object]', '__proto__', 'constructor', '-1', '1e309', 'NaN', '0x10') },
);

function values(name: string, valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  void name;
  return fc.oneof({ weight: 3, arbitrary: valid }, { weight: 2, arbitrary: weird });
}

const PARAMS: Record<string, fc.Arbitrary<string>> = {
  client_id: values('client_id', fc.constantFrom('__web__', '__spa__', '__native__', 'unknown-client')),
  redirect_uri: values('redirect_uri', fc.constantFrom(REDIRECT, `${REDIRECT}/`, `${REDIRECT}?x=1`, 'http://127.0.0.1:9/spa', NATIVE, 'https://evil.example/cb', 'javascript:alert(1)', '//evil.example')),
  response_type: values('response_type', fc.constantFrom('code', 'token', 'id_token', 'code id_token', 'none', 'code code')),
  scope: values('scope', fc.constantFrom('openid', 'openid profile email', 'openid offline_access', 'profile', 'openid openid', 'openid organization groups phone')),
  state: weird,
  nonce: weird,
  code_challenge: values('code_challenge', fc.constantFrom('a'.repeat(43), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', 'short')),
  code_challenge_method: values('code_challenge_method', fc.constantFrom('S256', 'plain', 's256')),
  prompt: values('prompt', fc.constantFrom('none', 'login', 'consent', 'select_account', 'login consent', 'none login')),
  max_age: values('max_age', fc.constantFrom('0', '60', '-1', '99999999999999999999', '1.5')),
  ui_locales: values('ui_locales', fc.constantFrom('vi', 'en', 'vi en', 'fr', 'en-US')),
  login_hint: weird,
  claims: values('claims', fc.constantFrom('{"id_token":{"email":null}}', '{"userinfo":{"sub":{"value":"x"}}}', '{', '[]', '{"id_token":{"sub":{"value":"00000000-0000-0000-0000-000000000000"}}}')),
  request: values('request', fc.constantFrom('eyJhbGciOiJub25lIn0.eyJjbGllbnRfaWQiOiJ4In0.', 'a.b.c', 'not-a-jwt')),
  response_mode: values('response_mode', fc.constantFrom('query', 'fragment', 'form_post', 'jwt')),
  id_token_hint: weird,
  acr_values: weird,
  resource: values('resource', fc.constantFrom('https://api.tinh.gov.vn', 'not a uri')),
  lang: values('lang', fc.constantFrom('vi', 'en')),
};

const unknownName = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'x', 'a[b]', 'a.b', '', 'registration', 'request_uri'), fc.string({ minLength: 1, maxLength: 20 }));

/** A list of (name, value) pairs: some known parameters, some duplicated, some unknown. */
const paramList = fc
  .tuple(
    fc.subarray(Object.keys(PARAMS), { minLength: 0 }),
    fc.array(fc.tuple(unknownName, weird), { maxLength: 3 }),
    fc.array(fc.constantFrom(...Object.keys(PARAMS)), { maxLength: 3 }),
  )
  .chain(([known, unknown, dups]) =>
    fc.tuple(fc.tuple(...known.map((k) => PARAMS[k]!.map((v) => [k, v] as [string, string]))), fc.tuple(...dups.map((k) => PARAMS[k]!.map((v) => [k, v] as [string, string])))).map(([a, b]) => [...a, ...unknown, ...b]),
  );

/** A valid request of one of the clients, then some parameters replaced, dropped, duplicated or added. */
const VALID: Record<string, [string, string][]> = {
  web: [['client_id', '__web__'], ['redirect_uri', REDIRECT], ['response_type', 'code'], ['scope', 'openid profile'], ['state', 's'], ['code_challenge', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'], ['code_challenge_method', 'S256']],
  spa: [['client_id', '__spa__'], ['redirect_uri', 'http://127.0.0.1:9/spa'], ['response_type', 'code'], ['scope', 'openid'], ['nonce', 'n'], ['code_challenge', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'], ['code_challenge_method', 'S256']],
  native: [['client_id', '__native__'], ['redirect_uri', NATIVE], ['response_type', 'code'], ['scope', 'openid offline_access'], ['prompt', 'consent'], ['code_challenge', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'], ['code_challenge_method', 'S256']],
};
const mutated = fc
  .tuple(fc.constantFrom(...Object.keys(VALID)), fc.array(fc.tuple(fc.constantFrom(...Object.keys(PARAMS)), fc.constantFrom('replace', 'drop', 'duplicate', 'add')), { maxLength: 3 }), fc.array(fc.tuple(unknownName, weird), { maxLength: 2 }))
  .chain(([client, edits, unknown]) =>
    fc.tuple(...edits.map(([k]) => PARAMS[k]!)).map((vals) => {
      let list = [...VALID[client]!];
      edits.forEach(([k, op], i) => {
        const v = vals[i]!;
        if (op === 'replace') list = list.filter(([n]) => n !== k).concat([[k, v]]);
        else if (op === 'drop') list = list.filter(([n]) => n !== k);
        else list = list.concat([[k, op === 'duplicate' ? (list.find(([n]) => n === k)?.[1] ?? v) : v]]);
      });
      return [...list, ...unknown];
    }),
  );

const substitute = (v: string) => v.replace('__web__', web).replace('__spa__', spa).replace('__native__', native);

function check(res: Response, body: string, sent: [string, string][]) {
  const context = { status: res.status, sent: sent.map(([k, v]) => `${k}=${v.slice(0, 60)}`), body: body.slice(0, 300) };
  expect({ ...context, serverError: res.status >= 500 }).toEqual({ ...context, serverError: false });
  expect({ ...context, leak: findLeak(body) }).toEqual({ ...context, leak: null });
  if (res.status >= 300 && res.status < 400) {
    const location = res.headers.get('location') ?? '';
    const target = new URL(location, server.issuer);
    if (target.origin === server.issuer) {
      // into the login (interaction) or the resumed authorization, never elsewhere here
      expect({ ...context, location }).toEqual({ ...context, location: expect.stringMatching(/^\/(interaction|auth)\//) });
    } else {
      // only to a registered redirect_uri, only with an error: nobody has logged in
      expect({ ...context, location: location.split(/[?#]/)[0] }).toEqual({ ...context, location: expect.stringMatching(/^(http:\/\/127\.0\.0\.1:9\/(cb|spa)|vn\.gov\.tinh\.app:\/callback)$/) });
      expect({ ...context, location }).toEqual({ ...context, location: expect.stringMatching(/[?#&]error=/) });
      expect(location).not.toMatch(/[?#&](code|access_token|id_token)=/);
    }
    return;
  }
  const type = res.headers.get('content-type') ?? '';
  const formPost = /<form method="post" action="([^"]*)"/.exec(body);
  if (formPost && /text\/html/.test(type)) {
    // response_mode=form_post: the error is posted to the registered redirect_uri, never a code
    expect({ ...context, action: formPost[1] }).toEqual({ ...context, action: expect.stringMatching(/^(http:\/\/127\.0\.0\.1:9\/(cb|spa)|vn\.gov\.tinh\.app:\/callback)$/) });
    expect({ ...context, error: /<input type="hidden" name="error"/.test(body), code: /name="(code|access_token|id_token)"/.test(body) }).toEqual({ ...context, error: true, code: false });
    return;
  }
  if (/text\/html/.test(type)) expect({ ...context, readable: /<html lang="(vi|en)"/.test(body) }).toEqual({ ...context, readable: true });
  else if (/json/.test(type)) expect({ ...context, error: typeof (JSON.parse(body) as { error?: unknown }).error }).toEqual({ ...context, error: 'string' });
  else expect({ ...context, clientError: res.status >= 400 }).toEqual({ ...context, clientError: true });
}

test('GET and POST /auth with arbitrary parameters: a page, a protocol error or a redirect into the login; never a 5xx', async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(paramList, mutated), fc.boolean(), async (list, post) => {
      const pairs = list.map(([k, v]) => [k, substitute(v)] as [string, string]);
      const query = new URLSearchParams(pairs).toString();
      const res = post
        ? await fetch(`${server.issuer}/auth`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: query })
        : await fetch(`${server.issuer}/auth?${query}`, { redirect: 'manual' });
      check(res, await res.text(), pairs);
    }),
    { numRuns: 400 },
  );
});

test('raw, badly encoded query strings: never a 5xx', async () => {
  const raw = fc.array(fc.oneof(fc.constantFrom('%', '%zz', '%C0%AF', '%ED%A0%80', '%FF', '%00', '&', '=', '==', '&&', '+', ';', '%25', '%2', 'client_id', 'redirect_uri', 'scope=openid', 'response_type=code', `client_id=${'__web__'}`), fc.string({ maxLength: 10 })), { maxLength: 20 });
  await fc.assert(
    fc.asyncProperty(raw, async (parts) => {
      const q = substitute(parts.join(''));
      const res = await fetch(`${server.issuer}/auth?${q}`, { redirect: 'manual' });
      check(res, await res.text(), [['raw', q]]);
    }),
    // a known client's id with NUL after it once reached PostgreSQL, which cannot store NUL
    { numRuns: 150, examples: [[['client_id=__web__', '%00']], [['client_id=__web__%00&redirect_uri=', '%00']]] },
  );
});

test('no server error was logged, no unhandled rejection or uncaught exception', () => {
  expect(server.logs.filter((l) => /"level":"(error|fatal)"/.test(l)).map((l) => l.slice(0, 400))).toEqual([]);
  expect(unhandled.seen).toEqual([]);
});
