/**
 * SIGTERM on the real server process (`node bin/sso.js serve`): a login POST held in flight by
 * the throttle's progressive delay when the signal arrives completes normally (the person is
 * logged in), new connections are refused at once, the process closes its pools, says so, and
 * exits 0 within the grace period.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/load.js';
import { openServices } from '../src/app/container.js';
import { createEmptyTestDatabase, type EmptyTestDatabase } from './helpers/db.js';
import { freePort, testServerEnv } from './helpers/server.js';
import { Browser, formAction, inputValue } from './helpers/browser.js';
import { rpConfig, startAuth } from './helpers/rp.js';
import { SHUTDOWN_GRACE_MS } from '../src/cli/signals.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REDIRECT = 'http://127.0.0.1:9/cb';
const LOGIN = 'pham.thi.d';
const PASSWORD = 'mật-khẩu-của-d-2026';

let database: EmptyTestDatabase;
let env: Record<string, string>;
let issuer: string;
let client: { id: string; secret: string };

beforeAll(async () => {
  database = await createEmptyTestDatabase();
  const port = await freePort();
  issuer = `http://127.0.0.1:${port}`;
  env = testServerEnv(port, database.url, {
    // the 2nd failure of a login waits 0.5 s, the 3rd 1 s, the 4th 2 s, the 5th 4 s
    THROTTLE_ACCOUNT_DELAY_AFTER: '1',
    THROTTLE_ACCOUNT_BLOCK_AFTER: '20',
    THROTTLE_MAX_DELAY_MS: '4000',
  });
  const services = await openServices(loadConfig(env));
  try {
    await services.accounts.addLocal({ login: LOGIN, password: PASSWORD, displayName: 'Phạm Thị D' });
    const c = await services.clients.add({ name: 'Một cửa', type: 'web', redirectUris: [REDIRECT], firstParty: true });
    client = { id: c.client.client_id, secret: c.clientSecret! };
  } finally {
    await services.close();
  }
});
afterAll(async () => database?.drop());

function serve(): { child: ChildProcess; output: () => string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; started: Promise<void> } {
  // the environment is the test's own: no .env file, no inherited settings
  const child = spawn(process.execPath, ['bin/sso.js', 'serve'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out.slice(-2000)}`)), 30_000);
    const check = () => {
      if (/"msg":"sso started"/.test(out)) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => reject(new Error(`server exited before starting: ${out.slice(-2000)}`)));
  });
  return { child, output: () => out, exited, started };
}

/** Opens a fresh TCP connection; resolves 'refused' or 'connected'. */
function tryConnect(port: number): Promise<'refused' | 'connected'> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', () => resolve('refused'));
  });
}

test('SIGTERM: the login in flight completes, new connections are refused, pools closed, exit 0', async () => {
  const server = serve();
  try {
    await server.started;
    const config = await rpConfig(issuer, client.id, client.secret);
    const browser = new Browser(issuer);
    const page = await browser.go((await startAuth(config, REDIRECT, 'openid')).url.toString());
    const action = formAction(page.html, 'password')!;
    const csrf = inputValue(page.html, 'csrf')!;
    // three wrong passwords (waiting 0, 0.5 and 1 s): the next attempt waits 2 s before its check
    for (let i = 0; i < 3; i++) {
      const wrong = await browser.request(action, { form: { csrf, login: LOGIN, password: 'sai' } });
      expect(wrong.status).toBe(401);
      await wrong.arrayBuffer();
    }
    const inFlight = browser.request(action, { form: { csrf, login: LOGIN, password: PASSWORD } });
    await new Promise((r) => setTimeout(r, 500));
    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    expect(await tryConnect(Number(env.PORT))).toBe('refused');

    const res = await inFlight;
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/\/auth\//);
    await res.arrayBuffer();

    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([server.exited, new Promise<'still running'>((r) => (timer = setTimeout(() => r('still running'), SHUTDOWN_GRACE_MS + 2_000)))]);
    clearTimeout(timer);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(SHUTDOWN_GRACE_MS);
    const lines = server.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { event?: string; msg?: string; level?: string });
    expect(lines.some((l) => l.event === 'sso.stopping')).toBe(true);
    expect(lines.some((l) => l.event === 'sso.stopped' && /database pool closed/.test(l.msg ?? ''))).toBe(true);
    expect(lines.filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
  } finally {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  }
}, 60_000);
