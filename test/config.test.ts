/** Configuration: environment -> validated Config (src/config/load.ts, schema.ts, duration.ts). */
import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, expandFileSettings, issuerProblem, loadConfig, parseEnv, type RawEnv } from '../src/config/load.js';
import { parseDuration } from '../src/config/duration.js';
import { KNOWN_SETTINGS, nearestSetting, unknownSettings } from '../src/config/unknown.js';

const KEY32 = 'c'.repeat(32);
const KEY32B = 'd'.repeat(40);
const SECRET32 = 's'.repeat(32);
/** A complete, valid production environment (behind its TLS-terminating proxy). */
const PROD: RawEnv = { NODE_ENV: 'production', ISSUER: 'https://sso.tinh.gov.vn', TRUST_PROXY: 'true', COOKIE_KEYS: KEY32, KEY_ENCRYPTION_SECRET: SECRET32 };

const tmpDirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'sso-config-'));
  tmpDirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of tmpDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The ConfigError parseEnv/loadConfig throws for `env`, failing the test if none is thrown. */
function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.code).toBe('CONFIG_INVALID');
    // the message lists every problem
    for (const p of e.problems) expect(e.message).toContain(p);
    return e.problems;
  }
  throw new Error('expected a ConfigError');
}

describe('parseEnv', () => {
  it('defaults: port 3000, issuer http://localhost:3000, SQLite file, development with demo', () => {
    const c = parseEnv({});
    expect(c.port).toBe(3000);
    expect(c.issuer).toBe('http://localhost:3000');
    expect(c.databaseUrl).toBe('file:./data/sso.db');
    expect(c.env).toBe('development');
    expect(c.production).toBe(false);
    expect(c.demo).toBe(true);
    // development listens on this machine only (production: every address; below)
    expect(c.host).toBe('127.0.0.1');
    expect(c.dataDir).toBe('./data');
    expect(c.trustProxy).toBe(false);
    expect(c.signingAlgs).toEqual(['ES256', 'RS256']);
    expect(c.cookieKeys).toBeUndefined();
    expect(c.keyEncryptionSecret).toBeUndefined();
    expect(c.ttl).toEqual({
      accessToken: 3600,
      idToken: 3600,
      refreshToken: 14 * 86400,
      authorizationCode: 60,
      clientCredentials: 600,
      session: 10 * 3600,
      interaction: 15 * 60,
      grant: 365 * 86400,
    });
    expect(c.keys).toEqual({ graceSeconds: 86400, activationDelaySeconds: 120, refreshIntervalSeconds: 30 });
    expect(c.gcIntervalSeconds).toBe(600);
    expect(c.defaultLocale).toBe('vi');
    expect(c.logLevel).toBe('info');
  });

  it('HOST: 0.0.0.0 by default in production, 127.0.0.1 in development and test, as given otherwise', () => {
    const prod = { NODE_ENV: 'production', COOKIE_KEYS: 'k'.repeat(32), KEY_ENCRYPTION_SECRET: 's'.repeat(32) };
    expect(parseEnv(prod).host).toBe('0.0.0.0');
    expect(parseEnv({ ...prod, HOST: '10.0.0.5' }).host).toBe('10.0.0.5');
    expect(parseEnv({ NODE_ENV: 'development' }).host).toBe('127.0.0.1');
    expect(parseEnv({ NODE_ENV: 'test' }).host).toBe('127.0.0.1');
    expect(parseEnv({ NODE_ENV: 'development', HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });

  it('derives the issuer from PORT when ISSUER is not set', () => {
    expect(parseEnv({ PORT: '4000' }).issuer).toBe('http://localhost:4000');
    expect(parseEnv({ PORT: '4000' }).port).toBe(4000);
  });

  it('takes ISSUER as given, without trailing slashes', () => {
    expect(parseEnv({ ISSUER: 'https://sso.tinh.gov.vn/', TRUST_PROXY: 'true' }).issuer).toBe('https://sso.tinh.gov.vn');
    expect(parseEnv({ ISSUER: 'https://sso.tinh.gov.vn/oidc//', PORT: '4000', TRUST_PROXY: 'true' }).issuer).toBe('https://sso.tinh.gov.vn/oidc');
  });

  it('accepts a complete production environment', () => {
    const c = parseEnv(PROD);
    expect(c.production).toBe(true);
    expect(c.demo).toBe(false);
    expect(c.cookieKeys).toEqual([KEY32]);
    expect(c.keyEncryptionSecret).toBe(SECRET32);
  });

  it('parses lists: COOKIE_KEYS and SIGNING_ALGS split on commas and spaces', () => {
    const c = parseEnv({ COOKIE_KEYS: `${KEY32}, ${KEY32B}`, SIGNING_ALGS: 'EdDSA ES256' });
    expect(c.cookieKeys).toEqual([KEY32, KEY32B]);
    expect(c.signingAlgs).toEqual(['EdDSA', 'ES256']);
  });

  it('accepts PostgreSQL URLs', () => {
    expect(parseEnv({ DATABASE_URL: 'postgresql://sso@db/sso' }).databaseUrl).toBe('postgresql://sso@db/sso');
    expect(parseEnv({ DATABASE_URL: 'postgres://sso@db/sso' }).databaseUrl).toBe('postgres://sso@db/sso');
  });

  describe('production refusals', () => {
    it('missing COOKIE_KEYS', () => {
      const { COOKIE_KEYS: _, ...env } = PROD;
      expect(problemsOf(() => parseEnv(env))).toEqual([expect.stringMatching(/^COOKIE_KEYS: required in production/)]);
    });

    it('missing KEY_ENCRYPTION_SECRET', () => {
      const { KEY_ENCRYPTION_SECRET: _, ...env } = PROD;
      expect(problemsOf(() => parseEnv(env))).toEqual([expect.stringMatching(/^KEY_ENCRYPTION_SECRET: required in production/)]);
    });

    it('both missing: both named at once', () => {
      const problems = problemsOf(() => parseEnv({ NODE_ENV: 'production', ISSUER: 'https://sso.tinh.gov.vn', TRUST_PROXY: 'true' }));
      expect(problems.map((p) => p.split(':')[0])).toEqual(['COOKIE_KEYS', 'KEY_ENCRYPTION_SECRET']);
    });

    it('an http issuer that is not localhost', () => {
      expect(problemsOf(() => parseEnv({ ...PROD, ISSUER: 'http://sso.tinh.gov.vn' }))).toEqual([expect.stringMatching(/^ISSUER: must use https in production/)]);
      // http is fine for localhost, and for anything outside production
      expect(parseEnv({ ...PROD, ISSUER: 'http://localhost:3000' }).issuer).toBe('http://localhost:3000');
      expect(parseEnv({ ...PROD, ISSUER: 'http://127.0.0.1:3000' }).issuer).toBe('http://127.0.0.1:3000');
      expect(parseEnv({ ISSUER: 'http://sso.tinh.gov.vn' }).issuer).toBe('http://sso.tinh.gov.vn');
    });

    it('an https issuer without TRUST_PROXY: sso has no TLS of its own', () => {
      const { TRUST_PROXY: _, ...env } = PROD;
      for (const e of [env, { ...env, TRUST_PROXY: 'false' }, { ISSUER: 'https://sso.tinh.gov.vn' }, { NODE_ENV: 'test', ISSUER: 'https://127.0.0.1:3000' }]) {
        const [problem, ...more] = problemsOf(() => parseEnv(e));
        expect(more).toEqual([]);
        // both settings named, and what to do
        expect(problem).toMatch(/^TRUST_PROXY: must be true when ISSUER is https:\/\//);
        expect(problem).toMatch(/reverse proxy that terminates TLS/);
        expect(problem).toMatch(/set TRUST_PROXY=true/);
        expect(problem).toMatch(/http:\/\/ ISSUER/);
      }
      // through the loader too: nothing written, the same message
      const dir = tmp();
      expect(problemsOf(() => loadConfig({ ISSUER: 'https://sso.tinh.gov.vn', DATA_DIR: join(dir, 'data') }))).toEqual([expect.stringMatching(/^TRUST_PROXY: must be true when ISSUER is https:/)]);
      expect(existsSync(join(dir, 'data'))).toBe(false);
      expect(parseEnv({ ...env, TRUST_PROXY: 'true' }).trustProxy).toBe(true);
      // a plain-http issuer needs no proxy
      expect(parseEnv({ ISSUER: 'http://127.0.0.1:3000' }).trustProxy).toBe(false);
    });

    it('DEMO=true', () => {
      expect(problemsOf(() => parseEnv({ ...PROD, DEMO: 'true' }))).toEqual([expect.stringMatching(/^DEMO: .*refused in production/)]);
      expect(parseEnv({ ...PROD, DEMO: 'false' }).demo).toBe(false);
    });
  });

  it('refuses short keys', () => {
    expect(problemsOf(() => parseEnv({ COOKIE_KEYS: `${KEY32},short` }))).toEqual([expect.stringMatching(/^COOKIE_KEYS: each key must be at least 32 characters/)]);
    expect(problemsOf(() => parseEnv({ KEY_ENCRYPTION_SECRET: 'x'.repeat(31) }))).toEqual([expect.stringMatching(/^KEY_ENCRYPTION_SECRET: must be at least 32 characters/)]);
    expect(problemsOf(() => parseEnv({ ...PROD, COOKIE_KEYS: 'short' }))).toEqual([expect.stringMatching(/^COOKIE_KEYS:/)]);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '30.5'],
    ['PORT', '-1'],
    ['DATABASE_POOL_SIZE', '0'],
    ['ACCESS_TOKEN_TTL', '1x'],
    ['ACCESS_TOKEN_TTL', '10s'],
    ['SESSION_TTL', '1.5h'],
    ['KEY_ROTATION_GRACE', 'forever'],
    ['TRUST_PROXY', 'maybe'],
    ['DEMO', 'perhaps'],
    ['NODE_ENV', 'staging'],
    ['LOG_LEVEL', 'loud'],
    ['DEFAULT_LOCALE', 'fr'],
    ['SIGNING_ALGS', 'HS256'],
    ['DATABASE_URL', 'mysql://db/sso'],
    ['ISSUER', 'not a url'],
    ['ISSUER', 'https://sso.tinh.gov.vn/?x=1'],
    ['ISSUER', 'ftp://sso.tinh.gov.vn'],
  ])('a bad %s (%s) is refused, naming the variable', (name, value) => {
    const problems = problemsOf(() => parseEnv({ [name]: value }));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.startsWith(`${name}: `)).toBe(true);
  });

  it('names every bad variable at once', () => {
    const problems = problemsOf(() => parseEnv({ PORT: 'abc', TRUST_PROXY: 'maybe', GC_INTERVAL: '1' }));
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['GC_INTERVAL', 'PORT', 'TRUST_PROXY']);
  });

  it('parses durations and booleans', () => {
    const c = parseEnv({ ACCESS_TOKEN_TTL: '15m', ID_TOKEN_TTL: '90', SESSION_TTL: '8h', REFRESH_TOKEN_TTL: '30d', TRUST_PROXY: 'yes', DEMO: 'off' });
    expect(c.ttl.accessToken).toBe(900);
    expect(c.ttl.idToken).toBe(90);
    expect(c.ttl.session).toBe(8 * 3600);
    expect(c.ttl.refreshToken).toBe(30 * 86400);
    expect(c.trustProxy).toBe(true);
    expect(c.demo).toBe(false);
    expect(parseEnv({ TRUST_PROXY: 'TRUE' }).trustProxy).toBe(true);
    expect(parseEnv({ TRUST_PROXY: '0' }).trustProxy).toBe(false);
  });

  it('KEY_ROTATION_GRACE must outlast the longest token', () => {
    expect(problemsOf(() => parseEnv({ KEY_ROTATION_GRACE: '30m' }))).toEqual(['KEY_ROTATION_GRACE: must be at least the longest token lifetime (3600s)']);
    expect(parseEnv({ KEY_ROTATION_GRACE: '30m', ACCESS_TOKEN_TTL: '10m', ID_TOKEN_TTL: '10m' }).keys.graceSeconds).toBe(1800);
  });
  it('ADMIN_GROUPS takes full DNs separated by ";", in normal form; a bare group name is refused with the DN form', () => {
    const c = parseEnv({ ADMIN_GROUPS: ' CN=QuanTri-SSO , OU=Groups,DC=tinh,DC=gov,DC=vn ; cn=Lãnh đạo\\; Sở,ou=groups,dc=tinh,dc=gov,dc=vn;;' });
    expect(c.admin.groups).toEqual(['cn=quantri-sso,ou=groups,dc=tinh,dc=gov,dc=vn', 'cn=lãnh đạo\\; sở,ou=groups,dc=tinh,dc=gov,dc=vn']);
    expect(parseEnv({}).admin.groups).toEqual([]);
    expect(problemsOf(() => parseEnv({ ADMIN_GROUPS: 'quantri-sso' }))).toEqual([
      'ADMIN_GROUPS: "quantri-sso" is not a DN (a group name?); give each group\'s full DN, separated by ";", e.g. cn=quantri-sso,ou=groups,dc=tinh,dc=gov,dc=vn',
    ]);
    // the example is built on LDAP_BASE_DN, the name escaped
    const [p] = problemsOf(() => parseEnv({ ADMIN_GROUPS: 'Phòng A, B', LDAP_BASE_DN: 'dc=hagiang,dc=gov,dc=vn' }));
    expect(p).toMatch(/e\.g\. cn=Phòng A\\, B,ou=groups,dc=hagiang,dc=gov,dc=vn$/);
    // one RDN says a name but not where the group is
    expect(problemsOf(() => parseEnv({ ADMIN_GROUPS: 'cn=quantri-sso; cn=x,dc=vn' }))[0]).toMatch(/^ADMIN_GROUPS: "cn=quantri-sso" names a group but not where it is in the directory; .* e\.g\. cn=quantri-sso,ou=groups,dc=tinh,dc=gov,dc=vn$/);
  });

  it('LDAP_ATTRIBUTE_MAP takes an attribute name or a list of them per key', () => {
    const ldap = { LDAP_URL: 'ldap://127.0.0.1:389', LDAP_BIND_DN: 'cn=x', LDAP_BIND_PASSWORD: 'p', LDAP_BASE_DN: 'dc=x' };
    const c = parseEnv({ ...ldap, LDAP_ATTRIBUTE_MAP: '{"department":"departmentNumber","memberOf":[],"passwordChanged":["a","b"]}' });
    expect(c.directory).toMatchObject({ attributeMap: { department: 'departmentNumber', memberOf: [], passwordChanged: ['a', 'b'] } });
    expect(problemsOf(() => parseEnv({ ...ldap, LDAP_ATTRIBUTE_MAP: '{"memberOf":[1]}' }))[0]).toMatch(/^LDAP_ATTRIBUTE_MAP: must be a JSON object of attribute names/);
  });
});

describe('issuerProblem', () => {
  it('accepts https anywhere and http on loopback in production', () => {
    expect(issuerProblem('https://sso.tinh.gov.vn', true)).toBeNull();
    expect(issuerProblem('http://[::1]:3000', true)).toBeNull();
    expect(issuerProblem('http://sso.tinh.gov.vn', false)).toBeNull();
  });
  it('refuses fragments, queries and relative URLs', () => {
    expect(issuerProblem('https://sso.tinh.gov.vn#x', false)).toMatch(/query or fragment/);
    expect(issuerProblem('/relative', false)).toMatch(/absolute URL/);
  });
});

describe('expandFileSettings (*_FILE)', () => {
  it('reads NAME from NAME_FILE, trimmed', () => {
    const dir = tmp();
    const file = join(dir, 'secret');
    writeFileSync(file, `${SECRET32}\n`);
    const out = expandFileSettings({ KEY_ENCRYPTION_SECRET_FILE: file, OTHER: 'kept' });
    expect(out.KEY_ENCRYPTION_SECRET).toBe(SECRET32);
    expect(out.OTHER).toBe('kept');
  });

  it('uses the given reader for every secret setting', () => {
    const reads: string[] = [];
    const out = expandFileSettings(
      { COOKIE_KEYS_FILE: '/run/secrets/cookies', DATABASE_URL_FILE: '/run/secrets/db' },
      (p) => {
        reads.push(p);
        return p.endsWith('cookies') ? `  ${KEY32}\n` : 'postgresql://sso:pw@db/sso\n';
      },
    );
    expect(reads.sort()).toEqual(['/run/secrets/cookies', '/run/secrets/db']);
    expect(out.COOKIE_KEYS).toBe(KEY32);
    expect(out.DATABASE_URL).toBe('postgresql://sso:pw@db/sso');
  });

  it('ignores *_FILE for settings that are not secrets', () => {
    const out = expandFileSettings({ PORT_FILE: '/nope' }, () => {
      throw new Error('must not read');
    });
    expect(out.PORT).toBeUndefined();
  });

  it('refuses NAME and NAME_FILE both set', () => {
    const problems = problemsOf(() => expandFileSettings({ COOKIE_KEYS: KEY32, COOKIE_KEYS_FILE: '/x' }, () => KEY32B));
    expect(problems).toEqual(['COOKIE_KEYS and COOKIE_KEYS_FILE are both set: keep one']);
  });

  it('names an unreadable file', () => {
    const missing = join(tmp(), 'missing');
    const problems = problemsOf(() => expandFileSettings({ KEY_ENCRYPTION_SECRET_FILE: missing }));
    expect(problems).toEqual([`KEY_ENCRYPTION_SECRET_FILE: cannot read ${missing} (ENOENT)`]);
  });
});

describe('loadConfig', () => {
  it('production with secrets from files', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'cookies'), `${KEY32}\n${KEY32B}\n`);
    writeFileSync(join(dir, 'kes'), SECRET32);
    const c = loadConfig({ NODE_ENV: 'production', ISSUER: 'https://sso.tinh.gov.vn', TRUST_PROXY: 'true', DATA_DIR: join(dir, 'data'), COOKIE_KEYS_FILE: join(dir, 'cookies'), KEY_ENCRYPTION_SECRET_FILE: join(dir, 'kes') });
    expect(c.cookieKeys).toEqual([KEY32, KEY32B]);
    expect(c.keyEncryptionSecret).toBe(SECRET32);
    expect(c.generatedSecrets).toEqual([]);
    // production never writes development secrets
    expect(existsSync(join(dir, 'data', 'dev-secrets.json'))).toBe(false);
  });

  it('production refuses missing secrets and writes nothing', () => {
    const dir = tmp();
    const problems = problemsOf(() => loadConfig({ NODE_ENV: 'production', ISSUER: 'https://sso.tinh.gov.vn', TRUST_PROXY: 'true', DATA_DIR: join(dir, 'data') }));
    expect(problems.map((p) => p.split(':')[0])).toEqual(['COOKIE_KEYS', 'KEY_ENCRYPTION_SECRET']);
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('refuses a secret given both directly and as a file', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'kes'), SECRET32);
    expect(problemsOf(() => loadConfig({ DATA_DIR: dir, KEY_ENCRYPTION_SECRET: SECRET32, KEY_ENCRYPTION_SECRET_FILE: join(dir, 'kes') }))).toEqual([
      'KEY_ENCRYPTION_SECRET and KEY_ENCRYPTION_SECRET_FILE are both set: keep one',
    ]);
  });

  it('development generates the missing secrets once into DATA_DIR (mode 0600) and reuses them', () => {
    const dataDir = join(tmp(), 'nested', 'data');
    const first = loadConfig({ DATA_DIR: dataDir });
    expect(first.generatedSecrets).toEqual(['COOKIE_KEYS', 'KEY_ENCRYPTION_SECRET']);
    expect(first.cookieKeys).toHaveLength(1);
    expect(first.cookieKeys[0]!.length).toBeGreaterThanOrEqual(32);
    expect(first.keyEncryptionSecret.length).toBeGreaterThanOrEqual(32);
    expect(first.cookieKeys[0]).not.toBe(first.keyEncryptionSecret);

    const file = join(dataDir, 'dev-secrets.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ cookieKeys: first.cookieKeys, keyEncryptionSecret: first.keyEncryptionSecret });

    const second = loadConfig({ DATA_DIR: dataDir });
    expect(second.cookieKeys).toEqual(first.cookieKeys);
    expect(second.keyEncryptionSecret).toBe(first.keyEncryptionSecret);
    expect(second.generatedSecrets).toEqual(['COOKIE_KEYS', 'KEY_ENCRYPTION_SECRET']);

    // another DATA_DIR gets other secrets
    const other = loadConfig({ DATA_DIR: join(tmp(), 'data') });
    expect(other.keyEncryptionSecret).not.toBe(first.keyEncryptionSecret);
  });

  it('development generates only what is missing; given secrets win', () => {
    const dataDir = tmp();
    const c = loadConfig({ DATA_DIR: dataDir, COOKIE_KEYS: KEY32 });
    expect(c.cookieKeys).toEqual([KEY32]);
    expect(c.generatedSecrets).toEqual(['KEY_ENCRYPTION_SECRET']);
    const d = loadConfig({ DATA_DIR: dataDir, COOKIE_KEYS: KEY32, KEY_ENCRYPTION_SECRET: SECRET32 });
    expect(d.generatedSecrets).toEqual([]);
    expect(d.keyEncryptionSecret).toBe(SECRET32);
  });
});

describe('unknown SSO_, LDAP_ and THROTTLE_ variables', () => {
  it('names each one, in order, with the setting meant when one is near; other prefixes and real settings pass', () => {
    expect(unknownSettings({ LDAP_URL: 'ldap://x', LDAP_BIND_PASSWORD_FILE: '/run/x', THROTTLE_WINDOW: '1h', SSO_CONFIG: '/etc/sso.env', PATH: '/bin', LDAPTLS_CACERT: '/x', THROTTLE_BLOCK_DURATON: '1m', LDAP_BSAE_DN: 'x', SSO_LOG: 'x' })).toEqual([
      'LDAP_BSAE_DN is not a setting of sso and is ignored: did you mean LDAP_BASE_DN?',
      'SSO_LOG is not a setting of sso and is ignored',
      'THROTTLE_BLOCK_DURATON is not a setting of sso and is ignored: did you mean THROTTLE_BLOCK_DURATION?',
    ]);
  });

  it('suggests the same words in another order, and nothing when nothing is near', () => {
    expect(nearestSetting('LDAP_DN_BASE')).toBe('LDAP_BASE_DN');
    expect(nearestSetting('LDAP_STARTLS')).toBe('LDAP_STARTTLS');
    expect(nearestSetting('SSO_SOMETHING_ELSE_ENTIRELY')).toBeUndefined();
  });

  it('knows every setting of the schema and the _FILE form of each secret', () => {
    for (const n of ['LDAP_URL', 'THROTTLE_MAX_DELAY_MS', 'COOKIE_KEYS_FILE', 'LDAP_BIND_PASSWORD_FILE', 'MIGRATE']) expect(KNOWN_SETTINGS).toContain(n);
  });

  it('loadConfig reports them and still loads', () => {
    const c = loadConfig({ ...PROD, LDAP_BSAE_DN: 'x' });
    expect(c.unknownSettings).toEqual(['LDAP_BSAE_DN is not a setting of sso and is ignored: did you mean LDAP_BASE_DN?']);
    expect(loadConfig(PROD).unknownSettings).toEqual([]);
  });
});

describe('parseDuration', () => {
  it.each([
    ['90', 90],
    ['90s', 90],
    ['15m', 900],
    ['8h', 28800],
    ['14d', 1209600],
    ['8H', 28800],
    [' 15m ', 900],
    ['15 m', 900],
    ['0', 0],
    ['0s', 0],
    ['365d', 31536000],
    ['999999999', 999999999],
  ])('%j -> %d seconds', (input, seconds) => {
    expect(parseDuration(input)).toBe(seconds);
  });

  it.each(['', ' ', 'm', '1.5h', '-1', '+5', '1w', '1ms', '1h30m', 'abc', '1e3', '1234567890', '15mm'])('%j is not a duration', (input) => {
    expect(parseDuration(input)).toBeNull();
  });
});
