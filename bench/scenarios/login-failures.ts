/**
 * How long a failed login takes, by what it was: a local account with a wrong password (an
 * argon2id verify, then the directory asked whether a directory person has that password), a
 * directory account with a wrong password (a search and a bind), an unknown login (a search and
 * a dummy bind). Side by side, without the failure floor (LOGIN_FAILURE_FLOOR_MS=0: what a
 * timing attacker would see) and with it (its default): the floor should make the three
 * indistinguishable. One attempt at a time (no queueing), the three kinds interleaved, each
 * attempt a fresh browser and interaction; only the POST of the login form is timed. The real
 * `sso serve` against slapd (the Zimbra fixture) and SQLite; the throttle's limits out of the way.
 */
import { Browser, formAction, inputValue } from '../../test/helpers/browser.js';
import { startSlapd } from '../../test/helpers/slapd.js';
import { generateLdif, generatedPerson, MAIL_DOMAIN } from '../../test/fixtures/ldap/generate.js';
import { envSchema } from '../../src/config/schema.js';
import { emit, type BenchResult } from '../lib/report.js';
import { progress, QUICK } from '../lib/env.js';
import { startIdp, type ServerProcess } from '../lib/processes.js';
import { freshDatabase, withServices } from '../lib/setup.js';
import { round, summarize, type Summary } from '../lib/stats.js';

const ROUNDS = QUICK ? 6 : 80;
const WARMUP = QUICK ? 2 : 10;
const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const LOCAL = { login: 'quantri.bench', password: 'mat-khau-quan-tri-bench-1' };
const KINDS = ['local', 'directory', 'unknown'] as const;
type Kind = (typeof KINDS)[number];
const LABEL: Record<Kind, string> = { local: 'local account, wrong password', directory: 'directory account, wrong password', unknown: 'unknown login' };
/** The floor's default, as the schema says (the README explains how it was chosen). */
const DEFAULT_FLOOR = envSchema.shape.LOGIN_FAILURE_FLOOR_MS.parse(undefined);

/** One failed attempt; the POST's time in ms. Throws unless it is the wrong-password answer. */
async function failedLogin(idp: ServerProcess, clientId: string, login: string): Promise<number> {
  const b = new Browser(idp.url);
  const q = new URLSearchParams({ client_id: clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI, code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });
  const page = await b.go(`/auth?${q}`);
  const action = formAction(page.html, 'password');
  const csrf = inputValue(page.html, 'csrf');
  if (!action || !csrf) throw new Error(`no login page (status ${page.status})`);
  const t0 = performance.now();
  const res = await b.request(action, { form: { csrf, login, password: 'mat-khau-sai-hoan-toan' } });
  await res.arrayBuffer();
  const ms = performance.now() - t0;
  if (res.status !== 401) throw new Error(`${login}: expected 401, got ${res.status}`);
  return ms;
}

progress('slapd with 40 generated people');
const slapd = await startSlapd({ fixture: 'zimbra', extraLdif: generateLdif(40) });
const directoryLogins = Array.from({ length: 40 }, (_, i) => generatedPerson(i)).filter((p) => p.status === 'active').map((p) => p.login);
const env = {
  LDAP_URL: slapd.url, LDAP_BIND_DN: slapd.bindDn, LDAP_BIND_PASSWORD: slapd.bindPassword, LDAP_BASE_DN: slapd.baseDn, LDAP_PRESET: 'zimbra', LDAP_MAIL_DOMAINS: MAIL_DOMAIN,
  SYNC_INTERVAL: '0', SYNC_FULL_INTERVAL: '0',
  // the throttle is not what is measured here
  THROTTLE_ACCOUNT_BLOCK_AFTER: '1000', THROTTLE_ACCOUNT_ADDRESS_BLOCK_AFTER: '1000', THROTTLE_ACCOUNT_DELAY_AFTER: '1000', THROTTLE_IP_BLOCK_AFTER: '100000', THROTTLE_IP_DELAY_AFTER: '100000', THROTTLE_MAX_DELAY_MS: '0', DIRECTORY_LOCKOUT_AFTER: '0',
};

const results: BenchResult[] = [];
const notes: string[] = [
  `One attempt at a time, ${ROUNDS} of each kind after ${WARMUP} warm-up rounds, interleaved (local, directory, unknown, local, ...), on SQLite; each a fresh browser and interaction, only the POST timed. Local accounts: argon2id m=19 MiB, t=2, p=1. The directory: slapd on loopback (a LAN's round trips would add to the directory kinds).`,
];
const db = await freshDatabase('sqlite');
try {
  const clientId = await withServices(db.url, async (s) => {
    await s.accounts.addLocal({ login: LOCAL.login, password: LOCAL.password, displayName: 'Quản trị (bench)' });
    const { client } = await s.clients.add({ name: 'Bench web app', type: 'web', redirectUris: [REDIRECT_URI], firstParty: true, id: 'bench-web' });
    return client.client_id;
  }, env);
  const runs: { floor: number; by: Record<Kind, Summary> }[] = [];
  for (const floor of [0, DEFAULT_FLOOR]) {
    progress(`LOGIN_FAILURE_FLOOR_MS=${floor}`);
    const idp = await startIdp({ databaseUrl: db.url, env: { ...env, LOGIN_FAILURE_FLOOR_MS: String(floor) } });
    const times: Record<Kind, number[]> = { local: [], directory: [], unknown: [] };
    try {
      const loginOf = (kind: Kind, i: number) => (kind === 'local' ? LOCAL.login : kind === 'directory' ? directoryLogins[i % directoryLogins.length]! : `khong.co.ai.${floor}.${i}`);
      for (let i = 0; i < WARMUP + ROUNDS; i++) {
        for (const kind of KINDS) {
          const ms = await failedLogin(idp, clientId, loginOf(kind, i));
          if (i >= WARMUP) times[kind].push(ms);
        }
      }
    } finally {
      await idp.stop();
    }
    const by = Object.fromEntries(KINDS.map((k) => [k, summarize(times[k])])) as Record<Kind, Summary>;
    for (const k of KINDS) progress(`  ${LABEL[k]}: p50 ${round(by[k].p50)} ms, p95 ${round(by[k].p95)} ms, max ${round(by[k].max)} ms`);
    runs.push({ floor, by });
  }
  for (const { floor, by } of runs) {
    const tag = floor ? `floor ${floor} ms` : 'no floor';
    for (const k of KINDS) {
      results.push(
        { name: `${tag}: ${LABEL[k]}: p50`, value: round(by[k].p50), unit: 'ms' },
        { name: `${tag}: ${LABEL[k]}: p95`, value: round(by[k].p95), unit: 'ms' },
      );
    }
    const p50s = KINDS.map((k) => by[k].p50);
    const spread = round(Math.max(...p50s) - Math.min(...p50s));
    results.push({ name: `${tag}: spread of the medians (slowest kind - fastest)`, value: spread, unit: 'ms', ...(floor ? { target: '<= 10 ms (indistinguishable)', met: spread <= 10 } : {}) });
    notes.push(`${tag}: ${KINDS.map((k) => `${LABEL[k]} p50 ${round(by[k].p50)} / p95 ${round(by[k].p95)} / p99 ${round(by[k].p99)} / max ${round(by[k].max)} ms`).join('; ')}.`);
  }
  const slowest = Math.max(...KINDS.map((k) => runs[0]!.by[k].p99));
  notes.push(`Without the floor the slowest kind's p99 was ${round(slowest)} ms: a floor must be above what an ordinary failure takes on the production machine (README, "Password guessing").`);
} finally {
  await db.drop();
  await slapd.stop();
}

emit({ scenario: 'login-failures', title: 'Failed logins: local, directory and unknown, without and with the failure floor', results, notes });
