/**
 * Which mode `sso` runs in, where its settings come from, and where it listens: the real command
 * (`node bin/sso.js`, `npm start`) as a child process, each with an environment the test gives
 * in full, in a working directory of its own, on SQLite files (runs in the SQLite pass only).
 *
 * - `sso serve` with nothing set is production: it refuses to start (no demo, no generated
 *   secrets, nothing written) and says how to name the settings.
 * - `--dev` or NODE_ENV=development is development: the demo, on 127.0.0.1 only unless HOST.
 * - `--dev` with NODE_ENV=production is refused.
 * - `--config FILE` and SSO_CONFIG name the environment file; the environment wins over it.
 * - `npm start` keeps the demo; `sso --version` prints package.json's version.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFileOf, selectMode } from '../src/config/sources.js';
import { ConfigError } from '../src/config/load.js';
import { freePort, TEST_SECRETS } from './helpers/server.js';
import { bareEnv, canConnect, logLines, ROOT, runSso, serve, SSO_BIN } from './helpers/sso-process.js';

const dirs: string[] = [];
function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `sso-mode-${prefix}-`));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** Settings that keep a child quiet and on its own files: no sync loop, a SQLite file in `dir`. */
function quiet(dir: string, port: number): Record<string, string> {
  return { PORT: String(port), DATA_DIR: join(dir, 'data'), DATABASE_URL: `file:${join(dir, 'sso.db')}`, SYNC_INTERVAL: '0', SYNC_FULL_INTERVAL: '0' };
}

/** The sso.start_failed line of a refused start, as text (its problems and message). */
function startFailed(stdout: string): string {
  const line = logLines(stdout).find((l) => l.event === 'sso.start_failed');
  if (!line) throw new Error(`no sso.start_failed line in: ${stdout.slice(-2000)}`);
  return JSON.stringify(line);
}

function startingLine(output: string): Record<string, unknown> {
  const line = logLines(output).find((l) => l.event === 'sso.starting');
  if (!line) throw new Error(`no sso.starting line in: ${output.slice(-2000)}`);
  return line;
}

describe('the mode, as the real command selects it', () => {
  it('sso serve with nothing set is production: refused, nothing written, the way out named (exit 2)', () => {
    const cwd = tempDir('bare');
    const r = runSso(['serve'], { cwd, env: bareEnv() });
    expect(r.code).toBe(2);
    // one JSON line (docs/logging.md: sso.start_failed) naming the problems and the way out
    const failed = startFailed(r.stdout);
    expect(failed).toContain('COOKIE_KEYS: required in production');
    expect(failed).toContain('--config FILE or SSO_CONFIG');
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toContain('demo.ready');
    // no development secrets generated, no database created
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('--dev with NODE_ENV=production is refused (exit 2), nothing written', () => {
    const cwd = tempDir('contradiction');
    const r = runSso(['serve', '--dev'], { cwd, env: bareEnv({ NODE_ENV: 'production' }) });
    expect(r.code).toBe(2);
    expect(startFailed(r.stdout)).toContain('--dev selects development mode, but NODE_ENV=production');
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('--dev: development, the demo, listening on 127.0.0.1 only', async () => {
    const cwd = tempDir('dev');
    const port = await freePort();
    const s = serve(process.execPath, [SSO_BIN, 'serve', '--dev'], { cwd, env: bareEnv(quiet(cwd, port)) });
    try {
      const started = await s.started;
      expect(started.listening).toBe(`http://127.0.0.1:${port}`);
      expect(startingLine(s.output())).toMatchObject({ mode: 'development', host: '127.0.0.1', configFile: null });
      expect(logLines(s.output()).some((l) => l.event === 'demo.ready')).toBe(true);
      expect(await canConnect('127.0.0.1', port)).toBe(true);
      // 127.0.0.2 is this machine too, but not the address the server is bound to
      expect(await canConnect('127.0.0.2', port)).toBe(false);
      expect(existsSync(join(cwd, 'data', 'dev-secrets.json'))).toBe(true);
    } finally {
      expect((await s.stop()).code).toBe(0);
    }
  });

  it('NODE_ENV=development without --dev is development too; HOST given is obeyed', async () => {
    const cwd = tempDir('nodeenv');
    const port = await freePort();
    const s = serve(process.execPath, [SSO_BIN, 'serve'], { cwd, env: bareEnv({ ...quiet(cwd, port), NODE_ENV: 'development', HOST: '127.0.0.2' }) });
    try {
      const started = await s.started;
      expect(started.listening).toBe(`http://127.0.0.2:${port}`);
      expect(startingLine(s.output())).toMatchObject({ mode: 'development', host: '127.0.0.2' });
      expect(logLines(s.output()).some((l) => l.event === 'demo.ready')).toBe(true);
      expect(await canConnect('127.0.0.2', port)).toBe(true);
      expect(await canConnect('127.0.0.1', port)).toBe(false);
    } finally {
      expect((await s.stop()).code).toBe(0);
    }
  });

  it('npm start keeps the demo (development, 127.0.0.1)', async () => {
    const cwd = tempDir('npm-start');
    const port = await freePort();
    // npm runs the project's start script from the project root; the files go to the temp dir
    const s = serve('npm', ['start', '--silent'], { cwd: ROOT, env: bareEnv(quiet(cwd, port)), group: true });
    try {
      const started = await s.started;
      expect(started.listening).toBe(`http://127.0.0.1:${port}`);
      expect(startingLine(s.output())).toMatchObject({ mode: 'development' });
      expect(logLines(s.output()).some((l) => l.event === 'demo.ready')).toBe(true);
    } finally {
      await s.stop();
    }
  });
});

describe('the environment file', () => {
  /** A production environment file for a server on `port` with its files in `dir`. */
  function productionFile(dir: string, port: number, extra: Record<string, string> = {}): string {
    const file = join(dir, 'sso.env');
    const settings = {
      ...quiet(dir, port),
      HOST: '127.0.0.1',
      ISSUER: `http://127.0.0.1:${port}`,
      COOKIE_KEYS: TEST_SECRETS.COOKIE_KEYS,
      KEY_ENCRYPTION_SECRET: TEST_SECRETS.KEY_ENCRYPTION_SECRET,
      ...extra,
    };
    writeFileSync(file, `# written by the test\n${Object.entries(settings).map(([k, v]) => `${k}=${v}`).join('\n')}\n`);
    return file;
  }

  it('--config FILE from another directory: production with the file\'s settings, no demo', async () => {
    const dir = tempDir('config');
    const elsewhere = tempDir('cwd');
    const port = await freePort();
    const file = productionFile(dir, port);
    const s = serve(process.execPath, [SSO_BIN, 'serve', '--config', file], { cwd: elsewhere, env: bareEnv() });
    try {
      const started = await s.started;
      expect(started.listening).toBe(`http://127.0.0.1:${port}`);
      expect(startingLine(s.output())).toMatchObject({ mode: 'production', configFile: file });
      expect(s.output()).not.toContain('Demo');
      expect(existsSync(join(dir, 'sso.db'))).toBe(true);
      expect(readdirSync(elsewhere)).toEqual([]);
    } finally {
      expect((await s.stop()).code).toBe(0);
    }
  });

  it('SSO_CONFIG names the file; a variable in the environment wins over the file', async () => {
    const dir = tempDir('sso-config');
    const [filePort, envPort] = [await freePort(), await freePort()];
    const file = productionFile(dir, filePort, { ISSUER: `http://127.0.0.1:${envPort}` });
    const s = serve(process.execPath, [SSO_BIN, 'serve'], { cwd: tempDir('cwd'), env: bareEnv({ SSO_CONFIG: file, PORT: String(envPort) }) });
    try {
      const started = await s.started;
      expect(started.listening).toBe(`http://127.0.0.1:${envPort}`);
      expect(startingLine(s.output())).toMatchObject({ mode: 'production', configFile: file });
    } finally {
      expect((await s.stop()).code).toBe(0);
    }
  });

  it('a --config file that cannot be read is named (exit 2)', () => {
    const cwd = tempDir('missing');
    const r = runSso(['serve', '--config', 'nowhere.env'], { cwd, env: bareEnv() });
    expect(r.code).toBe(2);
    expect(startFailed(r.stdout)).toContain(`--config: cannot read ${join(cwd, 'nowhere.env')} (ENOENT)`);
  });
});

describe('sso --version', () => {
  it.each([['--version'], ['-V']])('%s prints package.json\'s version and exits 0', (flag) => {
    const r = runSso([flag], { cwd: tempDir('version'), env: bareEnv() });
    expect(r).toMatchObject({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
  });
});

describe('selectMode and configFileOf (pure)', () => {
  it('production unless --dev or NODE_ENV says otherwise', () => {
    expect(selectMode(undefined, false)).toBe('production');
    expect(selectMode('', false)).toBe('production');
    expect(selectMode(undefined, true)).toBe('development');
    expect(selectMode('development', true)).toBe('development');
    expect(selectMode('development', false)).toBe('development');
    expect(selectMode('test', false)).toBe('test');
    expect(() => selectMode('production', true)).toThrow(ConfigError);
    expect(() => selectMode('test', true)).toThrow(ConfigError);
  });

  it('--config wins over SSO_CONFIG, which wins over ./.env; no .env read unless asked', () => {
    const cwd = tempDir('files');
    writeFileSync(join(cwd, '.env'), 'PORT=1\n');
    const opts = { cwd, implicitDotenv: true };
    expect(configFileOf({ SSO_CONFIG: 'b.env' }, { ...opts, config: 'a.env' })).toEqual({ path: join(cwd, 'a.env'), by: '--config' });
    expect(configFileOf({ SSO_CONFIG: '/etc/sso/sso.env' }, opts)).toEqual({ path: '/etc/sso/sso.env', by: 'SSO_CONFIG' });
    expect(configFileOf({}, opts)?.path).toBe(join(cwd, '.env'));
    expect(configFileOf({}, { ...opts, implicitDotenv: false })).toBeUndefined();
    expect(() => configFileOf({}, { ...opts, config: ' ' })).toThrow(ConfigError);
  });
});
