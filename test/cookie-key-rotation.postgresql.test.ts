/**
 * Rotating COOKIE_KEYS as the README says, on two instances (`node bin/sso.js serve`, as deployed)
 * behind a round-robin load balancer with no sticky sessions, while people sign in without a
 * pause: into an application (authorization code, token exchange) and into the console (the IdP's
 * own client). The instances restart one at a time, drained from the balancer first, through the
 * three phases:
 *
 *   0. COOKIE_KEYS=OLD
 *   1. COOKIE_KEYS=OLD,NEW   (the new key added second, everywhere)
 *   2. COOKIE_KEYS=NEW,OLD   (moved first, everywhere)
 *   3. COOKIE_KEYS=NEW       (the old one dropped)
 *
 * Not one sign-in may fail. Between the restarts of a phase the two instances disagree on the
 * first key; every step of a sign-in may land on either. A single sign-on session made before the
 * rotation and used in each phase still signs in without a password at the end.
 *
 * PostgreSQL pass only: several instances on one database.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Browser } from './helpers/browser.js';
import { submitLogin } from './helpers/rp.js';
import { createEmptyTestDatabase, type EmptyTestDatabase } from './helpers/db.js';
import { startBalancer, type Balancer } from './helpers/balancer.js';
import { startIdp, type ServerProcess } from '../bench/lib/processes.js';
import { withServices } from '../bench/lib/setup.js';
import { CLIENT_CACHE_TTL_MS } from '../src/clients/cache.js';

const OLD = 'old-cookie-key-0123456789abcdefghijklmnop';
const NEW = 'new-cookie-key-9876543210zyxwvutsrqponmlk';
const REDIRECT = 'http://127.0.0.1:9/callback';
const ADMIN = { login: 'quantri', password: 'mat-khau-quan-tri-1' };

interface Outcome {
  kind: 'application' | 'console' | 'sso';
  phase: string;
  ok: boolean;
  why?: string;
}

describe('COOKIE_KEYS rotated on two instances under continuous sign-ins', () => {
  let database: EmptyTestDatabase;
  let lb: Balancer;
  let client: { id: string; secret: string };
  const instances: ServerProcess[] = [];

  beforeAll(async () => {
    database = await createEmptyTestDatabase();
    lb = await startBalancer();
    client = await withServices(database.url, async (s) => {
      const { client: c, clientSecret } = await s.clients.add({ name: 'Một cửa', type: 'web', redirectUris: [REDIRECT], firstParty: true, id: 'motcua' });
      await s.accounts.addLocal({ login: ADMIN.login, password: ADMIN.password, displayName: 'Quản Trị Viên' });
      await s.accounts.setAdmin(ADMIN.login, true);
      return { id: c.client_id, secret: clientSecret! };
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(instances.map((i) => i.stop()));
    await lb?.close();
    await database?.drop();
  });

  const start = (keys: string) => startIdp({ databaseUrl: database.url, env: { ISSUER: lb.url, COOKIE_KEYS: keys, DATABASE_POOL_SIZE: '3', MFA_CONSOLE_REQUIRED: 'false' } });

  /** A person signs in to the application: every step through the balancer, then the code exchanged there. */
  async function applicationLogin(): Promise<string | null> {
    const b = new Browser(lb.url);
    const page = await b.go(`/auth?${new URLSearchParams({ client_id: client.id, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, state: 'st' })}`);
    if (!/name="password"/.test(page.html)) return `no login page (${page.status})`;
    const back = await submitLogin(b, page.html, ADMIN.login, ADMIN.password);
    const code = back.leftTo ? new URL(back.leftTo).searchParams.get('code') : null;
    if (!code) return `no code (${back.status} at ${back.url}: ${back.html.replace(/\s+/g, ' ').slice(0, 200)})`;
    const r = await fetch(`${lb.url}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT }).toString(),
    });
    const body = (await r.json()) as { id_token?: string; error?: string };
    return r.status === 200 && body.id_token ? null : `token ${r.status} ${body.error ?? ''}`;
  }

  /** An administrator signs in to the console: the IdP's own client, its code exchanged by whichever instance gets the callback. */
  async function consoleLogin(): Promise<string | null> {
    const b = new Browser(lb.url, 'en');
    const page = await b.go('/admin');
    if (!/name="password"/.test(page.html)) return `no login page (${page.status})`;
    const done = await submitLogin(b, page.html, ADMIN.login, ADMIN.password);
    if (done.status !== 200 || new URL(done.url).pathname !== '/admin' || !done.html.includes('Dashboard')) {
      return `console ${done.status} at ${done.url}: ${done.html.replace(/\s+/g, ' ').slice(0, 200)}`;
    }
    return null;
  }

  test('add second, move first, drop the old: zero failed sign-ins, and a session from before still works', async () => {
    let phase = '0: OLD';
    const outcomes: Outcome[] = [];
    let stop = false;
    const record = async (kind: Outcome['kind'], run: () => Promise<string | null>) => {
      const at = phase;
      const why = await run().catch((err: Error) => `threw ${err.message}`);
      outcomes.push({ kind, phase: at, ok: why === null, ...(why ? { why } : {}) });
    };
    const loop = async (kind: Outcome['kind'], run: () => Promise<string | null>) => {
      while (!stop) await record(kind, run);
    };
    /**
     * Keeps both instances serving sign-ins until each kind has been tried `n` more times and
     * `minMs` have passed (bounded: a stuck phase fails the test). Those are the sign-ins that
     * cross instances which disagree on the first key; `minMs` outlasts what each instance keeps
     * of a client's registration (CLIENT_CACHE_TTL_MS, 5 s), so a registration one instance
     * rewrote at its start is seen by the other within the window.
     */
    const more = async (n: number, minMs = 0) => {
      const from = outcomes.length;
      const until = Date.now() + minMs;
      const deadline = Date.now() + minMs + 90_000;
      const count = (k: Outcome['kind']) => outcomes.slice(from).filter((o) => o.kind === k).length;
      while (count('application') < n || count('console') < n || Date.now() < until) {
        if (Date.now() > deadline) throw new Error(`phase ${phase}: not enough sign-ins within 90 s`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    instances.push(await start(OLD), await start(OLD));
    lb.setBackends(instances.map((i) => i.port));

    // a person signed in before the rotation, who comes back once in each phase
    const sso = new Browser(lb.url);
    const ssoUrl = `/auth?${new URLSearchParams({ client_id: client.id, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, state: 'sso' })}`;
    const first = await submitLogin(sso, (await sso.go(ssoUrl)).html, ADMIN.login, ADMIN.password);
    expect(first.leftTo).toMatch(/[?&]code=/);
    const comeBack = () => record('sso', async () => {
      const again = await sso.go(ssoUrl);
      return again.leftTo?.includes('code=') ? null : `single sign-on asked again (${again.status} at ${again.url})`;
    });

    const load = Promise.all([loop('application', applicationLogin), loop('console', consoleLogin), loop('application', applicationLogin)]);
    await more(4);
    for (const [name, keys] of [['1: OLD,NEW', `${OLD},${NEW}`], ['2: NEW,OLD', `${NEW},${OLD}`], ['3: NEW', NEW]] as const) {
      phase = name;
      // a rolling restart: drain one instance, restart it with the new setting, put it back; then the other
      for (const i of [0, 1]) {
        const other = instances[1 - i]!;
        lb.setBackends([other.port]);
        await instances[i]!.stop();
        instances[i] = await start(keys);
        lb.setBackends(instances.map((s) => s.port));
        await more(6, CLIENT_CACHE_TTL_MS + 3_000);
      }
      await comeBack();
    }
    stop = true;
    await load;

    const failed = outcomes.filter((o) => !o.ok);
    const summary = Object.fromEntries(['0: OLD', '1: OLD,NEW', '2: NEW,OLD', '3: NEW'].map((p) => [p, outcomes.filter((o) => o.phase === p && o.ok).length]));
    expect({ failed: failed.slice(0, 5), failures: failed.length }).toEqual({ failed: [], failures: 0 });
    for (const [p, n] of Object.entries(summary)) expect({ p, enough: n >= 8 }).toEqual({ p, enough: true });
    expect(outcomes.filter((o) => o.kind === 'sso')).toHaveLength(3);
  }, 600_000);
});
