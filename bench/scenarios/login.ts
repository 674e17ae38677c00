/**
 * A whole browser login through the directory, 16 at a time: GET /auth -> login page -> POST
 * login (CSRF) -> consent implied (first-party) -> redirect with a code -> POST /token with PKCE,
 * each "browser" a fresh cookie jar and a distinct directory account (so the throttle is not
 * what is measured), against slapd. Baseline: raw ldapts on the same slapd at the same
 * concurrency doing what the connector must do for a login (search as the service account, bind
 * as the person on a fresh connection). Added p95 = IdP p95 - raw LDAP p95; target <= 20 ms.
 * A second baseline shows what that target asks: bare oidc-provider (in-memory, its own Koa
 * server, bench/bare-provider.ts) running the same six requests with the same search and bind and
 * nothing else, at the same concurrency. Then the database statements one whole login costs.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Client } from 'ldapts';
import { Browser } from '../../test/helpers/browser.js';
import { submitLogin } from '../../test/helpers/rp.js';
import { startSlapd, type Slapd } from '../../test/helpers/slapd.js';
import { generateLdif, generatedPerson, MAIL_DOMAIN } from '../../test/fixtures/ldap/generate.js';
import { emit, type BenchResult } from '../lib/report.js';
import { MEASURE_S, progress, QUICK, WARMUP_S } from '../lib/env.js';
import { postgresCpuMs, startBareProvider, startCountingIdp, startIdp, type ServerProcess } from '../lib/processes.js';
import { basicAuth, BACKENDS, freshDatabase, withServices, type Backend } from '../lib/setup.js';
import { round, summarize, type Summary } from '../lib/stats.js';

const CONCURRENCY = 16;
const PEOPLE = QUICK ? 64 : 400;
const COUNTED_LOGINS = QUICK ? 4 : 40;
/** Seconds of logins one at a time (latency without queueing). */
const SINGLE_S = QUICK ? 1 : 5;
const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const LABEL: Record<Backend, string> = { sqlite: 'SQLite', postgresql: 'PostgreSQL' };
const RAW = 'raw ldapts: search + bind, same slapd, 16 concurrent';
const BARE = 'bare oidc-provider, in-memory, with the same search + bind, 16 concurrent';

interface Person { login: string; password: string }

/** `concurrency` workers, each running `one` back to back on the next person, for `seconds`. */
async function closedLoop(people: Person[], seconds: number, one: (p: Person, worker: number) => Promise<void>, concurrency = CONCURRENCY): Promise<{ times: number[]; failures: number; firstError?: string; seconds: number }> {
  const times: number[] = [];
  let failures = 0;
  let firstError: string | undefined;
  let next = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      while (performance.now() < end) {
        const p = people[next++ % people.length]!;
        const s = performance.now();
        try {
          await one(p, w);
          times.push(performance.now() - s);
        } catch (err) {
          failures++;
          firstError ??= (err as Error).message;
        }
      }
    }),
  );
  return { times, failures, firstError, seconds: (performance.now() - t0) / 1000 };
}

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** One whole login as a browser and its application do it. Throws unless it ends with tokens. */
async function browserLogin(idp: ServerProcess, client: { id: string; secret: string }, p: Person): Promise<void> {
  const b = new Browser(idp.url);
  const { verifier, challenge } = pkce();
  const q = new URLSearchParams({
    client_id: client.id, response_type: 'code', scope: 'openid profile email', redirect_uri: REDIRECT_URI,
    state: randomBytes(8).toString('hex'), nonce: randomBytes(8).toString('hex'), code_challenge: challenge, code_challenge_method: 'S256',
  });
  const page = await b.go(`/auth?${q}`);
  if (page.status !== 200 || !page.html.includes('name="password"')) throw new Error(`no login page (status ${page.status})`);
  const back = await submitLogin(b, page.html, p.login, p.password);
  if (!back.leftTo) throw new Error(`login did not return to the application (status ${back.status})`);
  const code = new URL(back.leftTo).searchParams.get('code');
  if (!code) throw new Error(`no code in the callback: ${back.leftTo.slice(0, 120)}`);
  const r = await fetch(`${idp.url}/token`, {
    method: 'POST',
    headers: { authorization: basicAuth(client.id, client.secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }).toString(),
  });
  const t = (await r.json()) as { id_token?: string };
  if (r.status !== 200 || !t.id_token) throw new Error(`token exchange failed: ${r.status}`);
}

function idpLdapEnv(slapd: Slapd): Record<string, string> {
  return { LDAP_URL: slapd.url, LDAP_BIND_DN: slapd.bindDn, LDAP_BIND_PASSWORD: slapd.bindPassword, LDAP_BASE_DN: slapd.baseDn, LDAP_PRESET: 'zimbra', LDAP_MAIL_DOMAINS: MAIL_DOMAIN };
}

const fmt = (s: Summary, rate: number) => `${round(rate)}/s, p50 ${round(s.p50)} ms, p95 ${round(s.p95)} ms, p99 ${round(s.p99)} ms`;

progress(`slapd with ${PEOPLE} generated people`);
const slapd = await startSlapd({ fixture: 'zimbra', extraLdif: generateLdif(PEOPLE) });
const people: Person[] = [];
for (let i = 0; i < PEOPLE; i++) {
  const g = generatedPerson(i);
  if (g.status === 'active') people.push({ login: g.login, password: g.password });
}
const notes: string[] = [
  `${CONCURRENCY} concurrent closed loops, ${QUICK ? 'quick mode' : `${WARMUP_S} s warm-up, ${MEASURE_S} s measured`}; ${people.length} distinct active accounts taken in turn; default settings (the in-server sync on, LDAP_POOL_SIZE 4). A login's latency is the whole flow: GET /auth, the login page, POST login, the consent implied for a first-party application, the redirect with a code, POST /token with PKCE (6 HTTP requests).`,
];

// The baseline: what the directory costs a login, with nothing of ours in between.
async function rawLdap(seconds: number, concurrency = CONCURRENCY) {
  const services = await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    const c = new Client({ url: slapd.url, timeout: 5000, connectTimeout: 5000 });
    await c.bind(slapd.bindDn, slapd.bindPassword);
    return c;
  }));
  try {
    return await closedLoop(people, seconds, async (p, w) => {
      const { searchEntries } = await services[w]!.search(slapd.baseDn, {
        scope: 'sub', filter: `(&(objectClass=zimbraAccount)(|(uid=${p.login})(mail=${p.login})))`, sizeLimit: 2,
        attributes: ['zimbraId', 'uid', 'mail', 'cn', 'displayName', 'givenName', 'sn', 'zimbraAccountStatus', 'memberOf', 'ou', 'title'],
      });
      if (searchEntries.length !== 1) throw new Error(`${p.login}: ${searchEntries.length} entries`);
      const user = new Client({ url: slapd.url, timeout: 5000, connectTimeout: 5000 });
      try {
        await user.bind(searchEntries[0]!.dn, p.password);
      } finally {
        await user.unbind().catch(() => undefined);
      }
    }, concurrency);
  } finally {
    await Promise.all(services.map((c) => c.unbind().catch(() => undefined)));
  }
}

const results: BenchResult[] = [];
try {
  progress('raw LDAP (before)');
  await rawLdap(WARMUP_S);
  const raw1 = await rawLdap(MEASURE_S);
  const rawSummary1 = summarize(raw1.times);
  progress(fmt(rawSummary1, raw1.times.length / raw1.seconds));

  const rawAlone = summarize((await rawLdap(SINGLE_S, 1)).times);
  progress(`raw LDAP, one at a time: p50 ${round(rawAlone.p50)} ms, p95 ${round(rawAlone.p95)} ms`);
  progress('bare oidc-provider with the same LDAP search and bind');
  const bareClient = { client_id: 'bench-web', client_secret: 'bench-web-secret-0123456789abcdef', grant_types: ['authorization_code'], redirect_uris: [REDIRECT_URI], response_types: ['code'] };
  const bareIdp = await startBareProvider([bareClient], process.env.BENCH_PROFILE, { BARE_LDAP: JSON.stringify({ url: slapd.url, bindDn: slapd.bindDn, bindPassword: slapd.bindPassword, baseDn: slapd.baseDn }) });
  let bare: { s: Summary; rate: number; failures: number; firstError?: string | undefined; alone: Summary; cpuMs: number };
  try {
    const c = { id: bareClient.client_id, secret: bareClient.client_secret };
    await closedLoop(people, WARMUP_S, (p) => browserLogin(bareIdp, c, p));
    const cpu0 = bareIdp.cpuMs();
    const run = await closedLoop(people, MEASURE_S, (p) => browserLogin(bareIdp, c, p));
    const cpuMs = (bareIdp.cpuMs() - cpu0) / Math.max(1, run.times.length + run.failures);
    const alone = summarize((await closedLoop(people, SINGLE_S, (p) => browserLogin(bareIdp, c, p), 1)).times);
    bare = { s: summarize(run.times), rate: run.times.length / run.seconds, failures: run.failures, firstError: run.firstError, alone, cpuMs };
  } finally {
    await bareIdp.stop();
  }
  progress(`${fmt(bare.s, bare.rate)}; ${bare.failures} failed${bare.firstError ? ` (${bare.firstError})` : ''}`);

  const idpRuns: Partial<Record<Backend, { s: Summary; rate: number; failures: number; firstError?: string | undefined; statements: number; breakdown: string; alone: Summary; cpuMs: number; pgMs: number }>> = {};
  for (const backend of BACKENDS) {
    const db = await freshDatabase(backend);
    try {
      const client = await withServices(db.url, async (s) => {
        const { client: c, clientSecret } = await s.clients.add({ name: 'Bench web app', type: 'web', redirectUris: [REDIRECT_URI], firstParty: true, id: 'bench-web' });
        return { id: c.client_id, secret: clientSecret! };
      });
      progress(`this IdP on ${backend}`);
      const idp = await startIdp({ databaseUrl: db.url, env: idpLdapEnv(slapd), cpuProfDir: process.env.BENCH_PROFILE });
      let run;
      let alone;
      let cpuMs;
      let pgMs = 0;
      try {
        await closedLoop(people, WARMUP_S, (p) => browserLogin(idp, client, p));
        const cpu0 = idp.cpuMs();
        const pg0 = backend === 'postgresql' ? postgresCpuMs(db.url) : 0;
        run = await closedLoop(people, MEASURE_S, (p) => browserLogin(idp, client, p));
        cpuMs = (idp.cpuMs() - cpu0) / Math.max(1, run.times.length + run.failures);
        pgMs = backend === 'postgresql' ? (postgresCpuMs(db.url) - pg0) / Math.max(1, run.times.length + run.failures) : 0;
        alone = summarize((await closedLoop(people, SINGLE_S, (p) => browserLogin(idp, client, p), 1)).times);
      } finally {
        await idp.stop();
      }
      const s = summarize(run.times);
      progress(`${fmt(s, run.times.length / run.seconds)}; ${run.failures} failed${run.firstError ? ` (${run.firstError})` : ''}`);
      // statements one whole login costs, one login at a time
      const counting = await startCountingIdp({ databaseUrl: db.url, env: { ...idpLdapEnv(slapd), SYNC_INTERVAL: '0', SYNC_FULL_INTERVAL: '0' } });
      let counts;
      try {
        await browserLogin(counting, client, people[0]!);
        await counting.reset();
        for (let i = 0; i < COUNTED_LOGINS; i++) await browserLogin(counting, client, people[(i + 1) % people.length]!);
        counts = await counting.counts();
      } finally {
        await counting.stop();
      }
      const breakdown = Object.entries(counts.byStatement).map(([k, v]) => `${k} ${round(v / COUNTED_LOGINS)}`).join(', ');
      idpRuns[backend] = { s, rate: run.times.length / run.seconds, failures: run.failures, firstError: run.firstError, statements: round(counts.total / COUNTED_LOGINS), breakdown, alone, cpuMs, pgMs };
      progress(`${round(counts.total / COUNTED_LOGINS)} statements per login: ${breakdown}`);
    } finally {
      await db.drop();
    }
  }

  progress('raw LDAP (after)');
  const raw2 = await rawLdap(MEASURE_S);
  const rawSummary2 = summarize(raw2.times);
  progress(fmt(rawSummary2, raw2.times.length / raw2.seconds));
  const rawP50 = round((rawSummary1.p50 + rawSummary2.p50) / 2);
  const rawP95 = round((rawSummary1.p95 + rawSummary2.p95) / 2);
  const rawRate = round((raw1.times.length / raw1.seconds + raw2.times.length / raw2.seconds) / 2);
  notes.push(`At ${CONCURRENCY} concurrent closed loops the server is CPU-bound: each login waits for the others' CPU, so its latency is about ${CONCURRENCY} x the server CPU per login divided by the cores it gets; "one login alone" is the latency the IdP adds without queueing.`);
  notes.push(`raw LDAP: before ${fmt(rawSummary1, raw1.times.length / raw1.seconds)}, ${raw1.failures} failed; after ${fmt(rawSummary2, raw2.times.length / raw2.seconds)}, ${raw2.failures} failed.`);

  const bareAdded = round(bare.s.p95 - rawP95);
  results.push(
    { name: 'bare oidc-provider: added p95 latency of a whole login', value: bareAdded, unit: 'ms', target: '<= 20 ms (for reference: the floor)', met: bareAdded <= 20 },
    { name: 'bare oidc-provider: whole logins/s', value: round(bare.rate), unit: 'logins/s', baseline: rawRate, baselineName: RAW },
    { name: 'bare oidc-provider: p95 latency', value: round(bare.s.p95), unit: 'ms', baseline: rawP95, baselineName: RAW },
    { name: 'bare oidc-provider: failed logins', value: bare.failures, unit: 'logins', target: '0', met: bare.failures === 0 },
    { name: 'bare oidc-provider: server CPU per whole login', value: round(bare.cpuMs), unit: 'ms' },
    { name: 'bare oidc-provider: one login alone: added p95', value: round(bare.alone.p95 - rawAlone.p95), unit: 'ms' },
  );
  notes.push(`bare oidc-provider: ${fmt(bare.s, bare.rate)}${bare.firstError ? `; first failure: ${bare.firstError}` : ''}. It does what a login cannot do without (the six requests, the search and the bind) and nothing of what this IdP adds (CSRF, throttle, audit, account linking, stored sessions and codes).`);

  for (const backend of BACKENDS) {
    const r = idpRuns[backend]!;
    const l = LABEL[backend];
    const added = round(r.s.p95 - rawP95);
    results.push(
      { name: `${l}: added p95 latency of a whole login`, value: added, unit: 'ms', target: '<= 20 ms', met: added <= 20 },
      { name: `${l}: whole logins/s`, value: round(r.rate), unit: 'logins/s', baseline: round(bare.rate), baselineName: BARE },
      { name: `${l}: p50 latency`, value: round(r.s.p50), unit: 'ms', baseline: rawP50, baselineName: RAW },
      { name: `${l}: p95 latency`, value: round(r.s.p95), unit: 'ms', baseline: round(bare.s.p95), baselineName: BARE },
      { name: `${l}: failed logins`, value: r.failures, unit: 'logins', target: '0', met: r.failures === 0 },
      { name: `${l}: database statements per whole login`, value: r.statements, unit: 'statements' },
      { name: `${l}: server CPU per whole login`, value: round(r.cpuMs), unit: 'ms', baseline: round(bare.cpuMs), baselineName: 'bare oidc-provider' },
      ...(backend === 'postgresql' ? [{ name: `${l}: PostgreSQL server CPU per whole login`, value: round(r.pgMs), unit: 'ms' }] : []),
      { name: `${l}: one login alone (no concurrency): p95`, value: round(r.alone.p95), unit: 'ms', baseline: round(rawAlone.p95), baselineName: 'raw ldapts, one at a time' },
      { name: `${l}: one login alone: added p95`, value: round(r.alone.p95 - rawAlone.p95), unit: 'ms' },
    );
    notes.push(`${l}: ${fmt(r.s, r.rate)}${r.firstError ? `; first failure: ${r.firstError}` : ''}; statements per login (counted over ${COUNTED_LOGINS} logins, sync off): ${r.breakdown}.`);
  }
} finally {
  await slapd.stop();
}

emit({ scenario: 'login', title: 'Whole browser login through the directory, 16 concurrent', results, notes });
