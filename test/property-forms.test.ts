/**
 * Property tests of the login and consent forms on a live server: arbitrary fields, duplicated
 * keys, arrays, huge values, NUL, odd encodings and content types, wrong or missing CSRF tokens
 * and cookies. Never a 5xx, always a readable page or a redirect; never a login without the right
 * password and CSRF token; never a consent without the right CSRF token.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import fc from 'fast-check';
import type * as oidc from 'openid-client';
import { startTestServer, type TestServer } from './helpers/server.js';
import { Browser, formAction, inputValue } from './helpers/browser.js';
import { rpConfig, startAuth, submitLogin } from './helpers/rp.js';
import { collectUnhandled, findLeak } from './helpers/hostile.js';

const REDIRECT = 'http://127.0.0.1:9/cb';
const LOGIN = 'hoang.van.e';
const PASSWORD = 'mật-khẩu-đúng-2026';
let server: TestServer;
let config: oidc.Configuration;
const unhandled = collectUnhandled();

beforeAll(async () => {
  // the throttle would slow the wrong passwords below down; it has its own tests
  server = await startTestServer({ THROTTLE_ACCOUNT_DELAY_AFTER: '1000', THROTTLE_ACCOUNT_BLOCK_AFTER: '1000', THROTTLE_IP_DELAY_AFTER: '100000', THROTTLE_IP_BLOCK_AFTER: '100000' });
  await server.services.accounts.addLocal({ login: LOGIN, password: PASSWORD, displayName: 'Hoàng Văn E' });
  const c = await server.services.clients.add({ name: 'Một cửa', type: 'web', redirectUris: [REDIRECT] });
  config = await rpConfig(server.issuer, c.client.client_id, c.clientSecret!);
});
afterAll(async () => {
  await server?.stop();
  unhandled.stop();
});

const weird = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: fc.constantFrom('\u0000', '%', '&', '=', '+', '[', ']', ' ', 'a', 'đ', '\uFEFF', '\uD800'), maxLength: 20 }),
  fc.nat({ max: 12_000 }).map((n) => 'A'.repeat(n)),
  fc.constantFrom('', ' ', LOGIN, ` ${LOGIN.toUpperCase()} `, PASSWORD, `${PASSWORD} `, PASSWORD.normalize('NFD'), '__CSRF__', '__CSRF__x', 'x__CSRF__'),
);
const fieldName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('login', 'password', 'csrf') },
  { weight: 2, arbitrary: fc.constantFrom('login[]', 'password[]', 'csrf[]', 'login[0]', 'password[x]', '__proto__', 'constructor', 'hasOwnProperty', 'Login', 'csrf ') },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);
const fields = fc.array(fc.tuple(fieldName, weird), { maxLength: 12 });

type Encoding = 'urlencoded' | 'raw' | 'json' | 'multipart' | 'text' | 'none' | 'latin1';
const encoding = fc.constantFrom<Encoding>('urlencoded', 'urlencoded', 'urlencoded', 'raw', 'json', 'multipart', 'text', 'none', 'latin1');
const rawBytes = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
  fc.array(fc.constantFrom('%', '%zz', '%C0%AF', '%ED%A0%80', '%FF', '%00', '&', '=', 'login=', 'password=', 'csrf=', '+'), { maxLength: 30 }).map((p) => Buffer.from(p.join(''))),
);
const cookieMode = fc.constantFrom('kept', 'kept', 'kept', 'no-csrf-cookie', 'none', 'garbage');

function encode(kind: Encoding, pairs: [string, string][], raw: Buffer): { body: Buffer | string | undefined; type: string | undefined } {
  switch (kind) {
    case 'urlencoded':
      return { body: new URLSearchParams(pairs).toString(), type: 'application/x-www-form-urlencoded' };
    case 'latin1':
      return { body: new URLSearchParams(pairs).toString(), type: 'application/x-www-form-urlencoded; charset=iso-8859-1' };
    case 'raw':
      return { body: raw, type: 'application/x-www-form-urlencoded' };
    case 'json':
      return { body: JSON.stringify(Object.fromEntries(pairs)), type: 'application/json' };
    case 'multipart': {
      const b = '----sso';
      return { body: pairs.map(([k, v]) => `--${b}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('') + `--${b}--\r\n`, type: `multipart/form-data; boundary=${b}` };
    }
    case 'text':
      return { body: pairs.map(([k, v]) => `${k}=${v}`).join('\n'), type: 'text/plain' };
    case 'none':
      return { body: undefined, type: undefined };
  }
}

function cookieHeader(browser: Browser, mode: string): string | undefined {
  const names = browser.cookieNames();
  const values = browser.cookieValues();
  const pairs = names.map((n, i) => [n, values[i]!] as const);
  if (mode === 'none') return undefined;
  if (mode === 'garbage') return `${pairs.map(([n]) => `${n}=%%%;`).join(' ')} x=\u00ff`.replace(/[^\x20-\x7e]/g, '?');
  return pairs.filter(([n]) => mode !== 'no-csrf-cookie' || !/csrf/i.test(n)).map(([n, v]) => `${n}=${v}`).join('; ');
}

async function post(url: string, browser: Browser, mode: string, enc: { body: Buffer | string | undefined; type: string | undefined }) {
  const headers: Record<string, string> = { 'accept-language': 'vi' };
  const cookie = cookieHeader(browser, mode);
  if (cookie) headers.cookie = cookie;
  if (enc.type) headers['content-type'] = enc.type;
  const res = await fetch(new URL(url, server.issuer), { method: 'POST', headers, body: enc.body, redirect: 'manual' });
  return { res, body: await res.text() };
}

function expectClean(res: Response, body: string, context: object) {
  expect({ ...context, status: res.status, serverError: res.status >= 500 }).toEqual({ ...context, status: res.status, serverError: false });
  expect({ ...context, leak: findLeak(body) }).toEqual({ ...context, leak: null });
  if (res.status < 300 || res.status >= 400) {
    expect({ ...context, status: res.status, html: /text\/html/.test(res.headers.get('content-type') ?? '') && /<html lang="vi"/.test(body) }).toEqual({ ...context, status: res.status, html: true });
  }
}

/** A redirect that resumes the authorization: the form was accepted. */
const accepted = (res: Response) => {
  const location = res.headers.get('location');
  if (res.status !== 303 || !location) return false;
  const u = new URL(location, server.issuer);
  return u.origin === server.issuer && /^\/auth\/[\w-]+$/.test(u.pathname);
};

async function loginPage() {
  const browser = new Browser(server.issuer);
  const page = await browser.go((await startAuth(config, REDIRECT, 'openid profile')).url.toString());
  return { browser, page, action: formAction(page.html, 'password')!, csrf: inputValue(page.html, 'csrf')! };
}

test('login form: hostile bodies never log in without the password and the CSRF token, never a 5xx', async () => {
  let successes = 0;
  await fc.assert(
    fc.asyncProperty(fields, encoding, rawBytes, cookieMode, fc.boolean(), async (list, enc, raw, mode, correct) => {
      const { browser, action, csrf } = await loginPage();
      const pairs = list.map(([k, v]) => [k, v.replace('__CSRF__', csrf)] as [string, string]);
      // half the runs start from the right answer, then the noise is added after it
      if (correct) pairs.unshift(['csrf', csrf], ['login', LOGIN], ['password', PASSWORD]);
      const { res, body } = await post(action, browser, mode, encode(enc, pairs, raw));
      const context = { enc, mode, pairs: pairs.map(([k, v]) => `${k}=${v.slice(0, 40)}`) };
      expectClean(res, body, context);
      if (accepted(res)) {
        successes++;
        const one = (k: string) => pairs.filter(([n]) => n === k).map(([, v]) => v);
        // accepted only with exactly one right password, one right token, the cookie, a form body
        expect({ ...context, password: one('password'), csrf: one('csrf') }).toEqual({ ...context, password: [PASSWORD], csrf: [csrf] });
        expect(['urlencoded', 'latin1']).toContain(enc);
        expect(['kept']).toContain(mode);
      }
    }),
    // the right answer, sent cleanly, is always among the runs
    { numRuns: 120, examples: [[[], 'urlencoded', Buffer.alloc(0), 'kept', true]] },
  );
  // the oracle is not vacuous: the right answer was let in
  expect(successes).toBeGreaterThan(0);
}, 120_000);

test('consent form: hostile bodies never grant consent without the CSRF token, never a 5xx', async () => {
  let grants = 0;
  let people = 0;
  await fc.assert(
    fc.asyncProperty(fields, encoding, rawBytes, cookieMode, fc.constantFrom('confirm', 'abort'), fc.boolean(), async (list, enc, raw, mode, which, correct) => {
      // consent is remembered per account and client: a new person each run sees the page
      const login = `nguoi.dung.${++people}`;
      await server.services.accounts.addLocal({ login, password: PASSWORD, displayName: `Người dùng ${people}` });
      const { browser, page } = await loginPage();
      let consent = await submitLogin(browser, page.html, login, PASSWORD);
      expect(consent.html).toMatch(/\/confirm"/);
      const form = (consent.html.match(/<form[\s\S]*?<\/form>/gi) ?? []).find((f) => f.includes(`/${which}"`))!;
      const action = /action="([^"]*)"/.exec(form)![1]!;
      const csrf = inputValue(form, 'csrf')!;
      const pairs = list.map(([k, v]) => [k, v.replace('__CSRF__', csrf)] as [string, string]);
      if (correct) pairs.unshift(['csrf', csrf]);
      const { res, body } = await post(action, browser, mode, encode(enc, pairs, raw));
      const context = { which, enc, mode, pairs: pairs.map(([k, v]) => `${k}=${v.slice(0, 40)}`) };
      expectClean(res, body, context);
      if (accepted(res)) {
        grants++;
        expect({ ...context, csrf: pairs.filter(([n]) => n === 'csrf').map(([, v]) => v) }).toEqual({ ...context, csrf: [csrf] });
        expect(['kept']).toContain(mode);
      }
      consent = { ...consent, html: '' };
    }),
    { numRuns: 30, examples: [[[], 'urlencoded', Buffer.alloc(0), 'kept', 'confirm', true]] },
  );
  expect(grants).toBeGreaterThan(0);
}, 120_000);

test('no server error was logged, no unhandled rejection or uncaught exception', () => {
  expect(server.logs.filter((l) => /"level":"(error|fatal)"/.test(l)).map((l) => l.slice(0, 400))).toEqual([]);
  expect(unhandled.seen).toEqual([]);
});
