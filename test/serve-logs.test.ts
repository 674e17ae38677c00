/**
 * What `sso serve` writes, as a process (node bin/sso.js serve), as a SOC's collector reads it:
 * every line on stdout is JSON with a level name and an event, from the first to the last,
 * including what oidc-provider prints on Node.js 20, the demo directory and a start that fails;
 * nothing on stderr; the demo's passwords in a file of their own, not in the log. And routine
 * token traffic writes no line at the default level.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LEVELS } from '../src/util/logger.js';
import { nodeMajor } from '../src/util/library-output.js';
import { freePort, startTestServer } from './helpers/server.js';
import { until } from './helpers/until.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Run {
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  kill(): void;
}

function serve(env: Record<string, string>): Run {
  const cwd = mkdtempSync(join(tmpdir(), 'sso-serve-logs-'));
  dirs.push(cwd);
  const child = spawn(process.execPath, [join(ROOT, 'bin/sso.js'), 'serve'], { cwd, env: { PATH: process.env.PATH ?? '', DATA_DIR: join(cwd, 'data'), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { stdout: () => out, stderr: () => err, exited, kill: () => child.kill('SIGTERM') };
}

/** Every line parsed; a line that is not a JSON object with a level name fails here, named. */
function jsonLines(text: string): Record<string, unknown>[] {
  return text.split('\n').filter((l) => l.trim()).map((l) => {
    let v: unknown;
    try {
      v = JSON.parse(l);
    } catch {
      throw new Error(`not a JSON line: ${l}`);
    }
    expect(LEVELS).toContain((v as { level?: unknown }).level);
    return v as Record<string, unknown>;
  });
}

describe('sso serve, as a process', () => {
  test('the development demo (demo directory, demo account): every line JSON, nothing on stderr, no password in the log', async () => {
    const port = await freePort();
    // the database in a directory of its own (0700): /tmp itself is open to every user, which start-up rightly warns about
    const dbDir = mkdtempSync(join(tmpdir(), 'sso-serve-logs-db-'));
    const run = serve({ NODE_ENV: 'development', PORT: String(port), HOST: '127.0.0.1', SYNC_INTERVAL: '0', SYNC_FULL_INTERVAL: '0', DATABASE_URL: `file:${join(dbDir, 'sso.db')}` });
    try {
      await until('sso started', () => {
        if (/"event":"sso\.start_failed"/.test(run.stdout())) throw new Error(run.stdout());
        return run.stdout().includes('"event":"demo.ready"');
      }, 60_000, 50);
    } finally {
      run.kill();
    }
    expect(await run.exited).toBe(0);
    rmSync(dbDir, { recursive: true, force: true });
    const lines = jsonLines(run.stdout());
    expect(run.stderr()).toBe('');
    const events = lines.map((l) => l.event);
    expect(events).toEqual(expect.arrayContaining(['config.dev_secrets', 'sso.started', 'demo.ready', 'sso.stopping', 'sso.stopped']));
    expect(lines.filter((l) => !l.event)).toEqual([]);
    // oidc-provider's notice on Node.js 20, explained at info level (on 22 and later it prints none)
    const runtime = lines.filter((l) => l.event === 'runtime.node_version');
    if (nodeMajor() < 22) expect(runtime).toEqual([expect.objectContaining({ level: 'info', node: process.versions.node })]);
    else expect(runtime).toEqual([]);
    expect(lines.filter((l) => l.level === 'warn' || l.level === 'error').map((l) => l.event)).toEqual(['config.dev_secrets']);
    // the demo's passwords and secret: in the file (0600), never in the log
    const file = lines.find((l) => l.event === 'demo.ready')!.file as string;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const notes = readFileSync(file, 'utf8');
    const secrets = [...notes.matchAll(/(?:password|client_secret):\s+(\S+)|account:\s+\S+ \/ (\S+)/g)].map((m) => m[1] ?? m[2]!);
    expect(secrets.length).toBe(3);
    for (const s of secrets) expect(run.stdout()).not.toContain(s);
  });

  test('a configuration error is one JSON line, fatal, exit 2', async () => {
    const run = serve({ NODE_ENV: 'production', PORT: 'not-a-port' });
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toBe('');
    const lines = jsonLines(run.stdout());
    expect(lines).toEqual([expect.objectContaining({ level: 'fatal', event: 'sso.start_failed', problems: expect.arrayContaining([expect.stringContaining('PORT')]) })]);
  });
});

describe('routine token traffic', () => {
  test('writes no line at the default level; a refused token request writes one, with the client address and user agent', async () => {
    const s = await startTestServer({ LOG_LEVEL: 'info' });
    try {
      const { client, clientSecret } = await s.services.clients.add({ name: 'Dịch vụ', type: 'service', redirectUris: [] });
      const basic = (secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(client.client_id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
      const token = (secret: string) => fetch(`${s.issuer}/token`, { method: 'POST', headers: { authorization: basic(secret), 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'bench/1.0' }, body: 'grant_type=client_credentials' });
      const before = s.logs.length;
      for (let i = 0; i < 50; i++) expect((await token(clientSecret!)).status).toBe(200);
      expect(s.logs.slice(before)).toEqual([]);
      expect((await token('wrong-secret')).status).toBe(401);
      await until('the refusal is logged', () => s.logs.length > before, 5_000);
      expect(JSON.parse(s.logs[before]!)).toMatchObject({ level: 'info', event: 'token.refused', client: client.client_id, outcome: 'invalid_client', ip: expect.stringMatching(/127\.0\.0\.1/), userAgent: 'bench/1.0' });
    } finally {
      await s.stop();
    }
  });
});
