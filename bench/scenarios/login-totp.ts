/**
 * A whole browser login with the second factor, side by side with the same login with the
 * password alone: GET /auth -> login page -> POST login -> (TOTP page -> POST the code, computed
 * by otplib as an authenticator app would) -> redirect with a code -> POST /token. One login at a
 * time (no queueing), the two kinds interleaved, each a fresh browser, distinct directory
 * accounts (half of them enrolled), against slapd and the real `sso serve` on SQLite. A code is
 * never accepted twice, so each enrolled person logs in at most once per 30 s time step window.
 */
import { createHash, randomBytes } from 'node:crypto';
import { generateSync } from 'otplib';
import { Browser, inputValue } from '../../test/helpers/browser.js';
import { submitLogin } from '../../test/helpers/rp.js';
import { startSlapd } from '../../test/helpers/slapd.js';
import { generateLdif, generatedPerson, MAIL_DOMAIN } from '../../test/fixtures/ldap/generate.js';
import { emit, type BenchResult } from '../lib/report.js';
import { progress, QUICK } from '../lib/env.js';
import { startIdp, type ServerProcess } from '../lib/processes.js';
import { basicAuth, freshDatabase, withServices } from '../lib/setup.js';
import { round, summarize } from '../lib/stats.js';

const PEOPLE = QUICK ? 40 : 600;
const ROUNDS = QUICK ? 10 : 200;
const WARMUP = QUICK ? 2 : 10;
const REDIRECT_URI = 'http://127.0.0.1:9/callback';

interface Person { login: string; password: string; secret?: string; lastStep?: number }

const stepNow = () => Math.floor(Date.now() / 30_000);

/** The next step this person's app may show that the server has not accepted yet, or null (wait for the next window). */
function nextStep(p: Person): number | null {
  const s = Math.max(stepNow() - 1, (p.lastStep ?? -Infinity) + 1);
  return s <= stepNow() + 1 ? s : null;
}

async function login(idp: ServerProcess, client: { id: string; secret: string }, p: Person): Promise<number> {
  const t0 = performance.now();
  const b = new Browser(idp.url);
  const verifier = randomBytes(32).toString('base64url');
  const q = new URLSearchParams({
    client_id: client.id, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI, state: 's', nonce: 'n',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
  });
  const page = await b.go(`/auth?${q}`);
  let back = await submitLogin(b, page.html, p.login, p.password);
  if (p.secret) {
    const step = nextStep(p)!;
    const action = [...back.html.matchAll(/action="([^"]*\/second-factor)"/g)][0]?.[1];
    if (!action) throw new Error(`${p.login}: no second-factor page (status ${back.status})`);
    back = await b.go(action, { form: { csrf: inputValue(back.html, 'csrf')!, code: generateSync({ secret: p.secret, epoch: step * 30 }) } });
    p.lastStep = step;
  }
  if (!back.leftTo) throw new Error(`${p.login}: did not return to the application (status ${back.status})`);
  const code = new URL(back.leftTo).searchParams.get('code')!;
  const r = await fetch(`${idp.url}/token`, {
    method: 'POST',
    headers: { authorization: basicAuth(client.id, client.secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }).toString(),
  });
  const t = (await r.json()) as { id_token?: string };
  if (r.status !== 200 || !t.id_token) throw new Error(`token exchange failed: ${r.status}`);
  return performance.now() - t0;
}

progress(`slapd with ${PEOPLE} generated people`);
const slapd = await startSlapd({ fixture: 'zimbra', extraLdif: generateLdif(PEOPLE) });
const people: Person[] = Array.from({ length: PEOPLE }, (_, i) => generatedPerson(i)).filter((g) => g.status === 'active').map((g) => ({ login: g.login, password: g.password }));
const env = {
  LDAP_URL: slapd.url, LDAP_BIND_DN: slapd.bindDn, LDAP_BIND_PASSWORD: slapd.bindPassword, LDAP_BASE_DN: slapd.baseDn, LDAP_PRESET: 'zimbra', LDAP_MAIL_DOMAINS: MAIL_DOMAIN,
  SYNC_INTERVAL: '0', SYNC_FULL_INTERVAL: '0',
};
const results: BenchResult[] = [];
const notes: string[] = [];
const db = await freshDatabase('sqlite');
try {
  const client = await withServices(db.url, async (s) => {
    const { client: c, clientSecret } = await s.clients.add({ name: 'Bench web app', type: 'web', redirectUris: [REDIRECT_URI], firstParty: true, id: 'bench-web' });
    return { id: c.client_id, secret: clientSecret! };
  }, env);
  const idp = await startIdp({ databaseUrl: db.url, env });
  const times = { pwd: [] as number[], totp: [] as number[] };
  try {
    progress('first logins (the accounts are made), then half of the people enrol');
    for (const p of people) await login(idp, client, p);
    const enrolled = people.filter((_, i) => i % 2 === 0);
    await withServices(db.url, async (s) => {
      for (const p of enrolled) {
        const a = (await s.accounts.byLogin(p.login))!;
        const setup = (await s.secondFactors.totpSetup(a))!;
        const r = await s.secondFactors.confirmTotp(a, { code: generateSync({ secret: setup.secret, epoch: stepNow() * 30 }) }, { duringLogin: false });
        if (r.kind !== 'enrolled') throw new Error(`${p.login}: enrolment ${r.kind}`);
        p.secret = setup.secret;
        p.lastStep = stepNow();
      }
    }, env);
    const plain = people.filter((p) => !p.secret);
    progress(`${ROUNDS} of each, interleaved`);
    let e = 0;
    for (let i = 0; i < WARMUP + ROUNDS; i++) {
      const pw = await login(idp, client, plain[i % plain.length]!);
      // the next enrolled person whose app shows a code not yet used
      let p = enrolled[e++ % enrolled.length]!;
      for (let tries = 0; nextStep(p) === null && tries < enrolled.length; tries++) p = enrolled[e++ % enrolled.length]!;
      if (nextStep(p) === null) throw new Error('every enrolled person used this window\'s codes: more PEOPLE needed');
      const tt = await login(idp, client, p);
      if (i >= WARMUP) {
        times.pwd.push(pw);
        times.totp.push(tt);
      }
    }
  } finally {
    await idp.stop();
  }
  const pwd = summarize(times.pwd);
  const totp = summarize(times.totp);
  results.push(
    { name: 'password login alone: p50', value: round(pwd.p50), unit: 'ms' },
    { name: 'password login alone: p95', value: round(pwd.p95), unit: 'ms' },
    { name: 'TOTP login (password + code) alone: p50', value: round(totp.p50), unit: 'ms', baseline: round(pwd.p50), baselineName: 'password login alone' },
    { name: 'TOTP login (password + code) alone: p95', value: round(totp.p95), unit: 'ms', baseline: round(pwd.p95), baselineName: 'password login alone' },
    { name: 'added p50 of the second factor', value: round(totp.p50 - pwd.p50), unit: 'ms' },
  );
  notes.push(`One login at a time, ${ROUNDS} of each after ${WARMUP} warm-up rounds, interleaved, SQLite, slapd on loopback, ${people.length} active people (half enrolled). A whole login: 6 HTTP requests with the password alone, 7 with the code (the code's page is the answer to the password's POST). Time includes otplib computing the code in the client.`);
  notes.push(`password: p50 ${round(pwd.p50)} / p95 ${round(pwd.p95)} / p99 ${round(pwd.p99)} ms; TOTP: p50 ${round(totp.p50)} / p95 ${round(totp.p95)} / p99 ${round(totp.p99)} ms.`);
} finally {
  await db.drop();
  await slapd.stop();
}

emit({ scenario: 'login-totp', title: 'Whole browser login with a TOTP second factor, beside the password alone', results, notes });
