/**
 * Environment (+ optional .env) -> validated Config. Fails fast with every wrong variable
 * named. Development generates the secrets it lacks, persists them in DATA_DIR and says so;
 * production refuses to start without them.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { envSchema, SECRET_SETTINGS, type Env } from './schema.js';
import { unknownSettings } from './unknown.js';
import { SUPPORTED_SIGNING_ALGS } from '../domain/keys.js';
import { escapeDnValue, normalizeDn, parseDn } from '../domain/dn.js';
import type { ThrottleSettings } from '../domain/throttle.js';
import { syslogTarget, type SyslogTarget } from './syslog.js';
export type { SyslogTarget };
import { loginSettings, throttleSettings, type LoginSettings } from './login.js';
import { brandSettings, type BrandSettings } from './brand.js';
import { mailSettings, type MailSettings } from './mail.js';
import { certificateSettings, trustedProxies, type CertificateSettings } from './certificate.js';
import type { IpNetwork } from '../domain/networks.js';

export type { LoginSettings } from './login.js';

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

export type PresetName = 'zimbra' | 'openldap' | 'activedirectory';

export interface LdapSettings {
  kind: 'ldap';
  urls: string[];
  startTls: boolean;
  caFile?: string | undefined;
  tlsInsecure: boolean;
  bindDn: string;
  bindPassword: string;
  baseDn: string;
  preset: PresetName;
  userFilter?: string | undefined;
  loginAttributes: string[];
  mailDomains: string[];
  /** LDAP_ATTRIBUTE_MAP: an attribute name, or a list of them tried in order ([] turns the field off). */
  attributeMap: Record<string, string | string[]>;
  timeoutMs: number;
  poolSize: number;
  groups: { source: 'memberof' | 'search' | 'none'; baseDn: string; filter: string };
}

/** Where people log in: the LDAP directory, the demo directory (development), or local accounts only. */
export type DirectorySettings = LdapSettings | { kind: 'demo'; mailDomains: string[] } | { kind: 'none' };

export interface Config {
  env: Env['NODE_ENV'];
  production: boolean;
  port: number;
  host: string;
  issuer: string;
  databaseUrl: string;
  databasePoolSize: number;
  /** `sso serve` migrates the database at start (MIGRATE); when false it only checks that the schema is current. */
  migrate: boolean;
  /** Forwarded headers are believed: TRUST_PROXY, or TRUSTED_PROXIES named. */
  trustProxy: boolean;
  /** TRUSTED_PROXIES: when not empty, forwarded and certificate headers are believed only from these addresses. */
  trustedProxies: IpNetwork[];
  /** The certificate login (CERT_*), when CERT_LOGIN_URL is set. */
  certificate?: CertificateSettings | undefined;
  dataDir: string;
  cookieKeys: string[];
  keyEncryptionSecret: string;
  /** Names of the secrets generated for development (empty in production). */
  generatedSecrets: string[];
  /** SSO_/LDAP_/THROTTLE_ variables that are no setting (a misspelling, most likely): reported at start. */
  unknownSettings: string[];
  signingAlgs: string[];
  keys: { graceSeconds: number; activationDelaySeconds: number; refreshIntervalSeconds: number };
  ttl: {
    accessToken: number;
    idToken: number;
    refreshToken: number;
    authorizationCode: number;
    clientCredentials: number;
    session: number;
    interaction: number;
    grant: number;
  };
  gcIntervalSeconds: number;
  logLevel: Env['LOG_LEVEL'];
  demo: boolean;
  defaultLocale: 'vi' | 'en';
  directory: DirectorySettings;
  /** passwordChangeLogout: SYNC_PASSWORD_CHANGE_LOGOUT. */
  sync: { intervalSeconds: number; fullIntervalSeconds: number; maxDisablePercent: number; pageSize: number; passwordChangeLogout: boolean };
  logoutDelivery: { attempts: number; timeoutMs: number };
  throttle: ThrottleSettings;
  /** The login page: failure floor, helpdesk contact, session cookie, known devices (config/login.ts). */
  login: LoginSettings;
  /** Per-application access policy: how long groups read from the directory are kept (ACCESS_GROUPS_CACHE, seconds, 0-300). */
  access: { groupsCacheSeconds: number };
  /** syslog: where every audit event is forwarded (AUDIT_SYSLOG), when set. */
  audit: { retentionSeconds: number; syslog?: SyslogTarget | undefined };
  /**
   * Who administers the console: members of these directory groups (ADMIN_GROUPS, their DNs in
   * normal form: normalizeDn), and accounts with the local flag.
   */
  admin: { groups: string[]; helpdeskGroups: string[] };
  /** The province's own name, logo, colour and footer, and the password help link (config/brand.ts). */
  brand: BrandSettings;
  /** SMTP_URL: where security notices are sent through; undefined: none are (config/mail.ts). */
  mail?: MailSettings | undefined;
  /** WebAuthn: whether a passkey may sign in without the password (WEBAUTHN_PASSWORDLESS). */
  webauthn: { passwordless: boolean };
  /** The second factor: MFA_REQUIRED_GROUPS (DNs in normal form), MFA_ENROL_GRACE (seconds), MFA_CONSOLE_REQUIRED. */
  mfa: { requiredGroups: string[]; enrolGraceSeconds: number; consoleRequired: boolean; rememberDeviceSeconds: number };
  /** Bearer token for GET /metrics; undefined: the endpoint is open. */
  metricsToken?: string | undefined;
  /** The environment file the settings were read from (`--config`, `SSO_CONFIG` or ./.env), if any. */
  configFile?: string | undefined;
}

export type RawEnv = Record<string, string | undefined>;

/** NAME_FILE -> NAME for secret settings. */
export function expandFileSettings(env: RawEnv, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): RawEnv {
  const out = { ...env };
  const problems: string[] = [];
  for (const name of SECRET_SETTINGS) {
    const file = env[`${name}_FILE`];
    if (!file) continue;
    if (env[name]) {
      problems.push(`${name} and ${name}_FILE are both set: keep one`);
      continue;
    }
    try {
      out[name] = read(file).trim();
    } catch (err) {
      problems.push(`${name}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return out;
}

const LOCALHOST = new Set(['localhost', '127.0.0.1', '[::1]']);

export function issuerProblem(issuer: string, production: boolean): string | null {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.search || url.hash) return 'must not have a query or fragment';
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an https URL';
  if (production && url.protocol !== 'https:' && !LOCALHOST.has(url.hostname)) return 'must use https in production (plain http only for localhost)';
  return null;
}

/**
 * sso speaks plain HTTP only: an https issuer means a TLS-terminating proxy in front, whose
 * X-Forwarded-* headers must be trusted, or every page that sets a Secure cookie fails.
 */
export const HTTPS_WITHOUT_PROXY =
  'TRUST_PROXY: must be true when ISSUER is https://. sso has no TLS of its own: run it behind a reverse proxy that terminates TLS and sets ' +
  'X-Forwarded-Proto and X-Forwarded-For (README, "Deployment"), and set TRUST_PROXY=true; for a trial without a proxy, use an http:// ISSUER';

/** DEMO, or on in development. */
function demoSetting(e: Env, problems: string[]): boolean {
  if (e.DEMO === undefined) return e.NODE_ENV === 'development';
  const d = e.DEMO.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(d)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(d)) return false;
  problems.push('DEMO: must be true or false');
  return false;
}

/** The issuer's host name, or localhost when it is no URL (its own problem is reported apart). */
function hostOf(issuer: string): string {
  try {
    return new URL(issuer).hostname || 'localhost';
  } catch {
    return 'localhost';
  }
}

/** COOKIE_KEYS, KEY_ENCRYPTION_SECRET and SIGNING_ALGS checked; the cookie keys when any are set. */
function keySettings(e: Env, production: boolean, problems: string[]): string[] | undefined {
  const cookieKeys = e.COOKIE_KEYS?.length ? e.COOKIE_KEYS : undefined;
  if (cookieKeys?.some((k) => k.length < 32)) problems.push('COOKIE_KEYS: each key must be at least 32 characters');
  if (e.KEY_ENCRYPTION_SECRET !== undefined && e.KEY_ENCRYPTION_SECRET.length < 32) problems.push('KEY_ENCRYPTION_SECRET: must be at least 32 characters');
  if (production && !cookieKeys) problems.push('COOKIE_KEYS: required in production (or COOKIE_KEYS_FILE)');
  if (production && !e.KEY_ENCRYPTION_SECRET) problems.push('KEY_ENCRYPTION_SECRET: required in production (or KEY_ENCRYPTION_SECRET_FILE)');
  const badAlg = e.SIGNING_ALGS.filter((a) => !(SUPPORTED_SIGNING_ALGS as readonly string[]).includes(a));
  if (badAlg.length || !e.SIGNING_ALGS.length) problems.push(`SIGNING_ALGS: use one or more of ${SUPPORTED_SIGNING_ALGS.join(', ')}`);
  return cookieKeys;
}

/** Validated settings, before secrets are resolved. Pure. */
export function parseEnv(env: RawEnv): Omit<Config, 'cookieKeys' | 'keyEncryptionSecret' | 'generatedSecrets' | 'unknownSettings'> & { cookieKeys?: string[]; keyEncryptionSecret?: string } {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  const production = e.NODE_ENV === 'production';
  const issuer = (e.ISSUER ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  const ip = issuerProblem(issuer, production);
  if (ip) problems.push(`ISSUER: ${ip}`);
  else if (issuer.startsWith('https:') && !e.TRUST_PROXY && !e.TRUSTED_PROXIES.trim()) problems.push(HTTPS_WITHOUT_PROXY);
  if (!/^(file:|postgres(ql)?:\/\/)/i.test(e.DATABASE_URL)) problems.push('DATABASE_URL: must start with file: (SQLite) or postgresql:// (PostgreSQL)');
  const cookieKeys = keySettings(e, production, problems);
  const demo = demoSetting(e, problems);
  if (production && demo) problems.push('DEMO: the demo client and account are refused in production');
  const maxTokenLife = Math.max(e.ACCESS_TOKEN_TTL, e.ID_TOKEN_TTL, e.CLIENT_CREDENTIALS_TTL);
  if (e.KEY_ROTATION_GRACE < maxTokenLife) problems.push(`KEY_ROTATION_GRACE: must be at least the longest token lifetime (${maxTokenLife}s)`);
  const directory = directorySettings(e, production, demo, problems);
  const syslog = syslogTarget(e.AUDIT_SYSLOG, e.AUDIT_SYSLOG_CA_FILE, problems);
  const adminGroups = adminGroupDns(e.ADMIN_GROUPS, e.LDAP_BASE_DN, problems);
  const helpdeskGroups = adminGroupDns(e.HELPDESK_GROUPS, e.LDAP_BASE_DN, problems, 'HELPDESK_GROUPS');
  const brand = brandSettings(e, problems);
  const mfaGroups = adminGroupDns(e.MFA_REQUIRED_GROUPS, e.LDAP_BASE_DN, problems, 'MFA_REQUIRED_GROUPS');
  const throttle = throttleSettings(e, directory.kind, problems);
  const login = loginSettings(e, problems);
  const mail = mailSettings(e, hostOf(issuer), problems);
  const proxies = trustedProxies(e.TRUSTED_PROXIES, problems);
  const certificate = certificateSettings(e, ip ? 'http://invalid' : issuer, proxies, production, problems, directory.kind === 'ldap');
  if (problems.length) throw new ConfigError(problems);
  return {
    directory,
    sync: {
      intervalSeconds: e.SYNC_INTERVAL, fullIntervalSeconds: e.SYNC_FULL_INTERVAL, maxDisablePercent: e.SYNC_MAX_DISABLE_PERCENT, pageSize: e.SYNC_PAGE_SIZE,
      passwordChangeLogout: e.SYNC_PASSWORD_CHANGE_LOGOUT,
    },
    logoutDelivery: { attempts: e.LOGOUT_DELIVERY_ATTEMPTS, timeoutMs: e.LOGOUT_DELIVERY_TIMEOUT_MS },
    throttle,
    login,
    access: { groupsCacheSeconds: e.ACCESS_GROUPS_CACHE },
    audit: { retentionSeconds: e.AUDIT_RETENTION, syslog },
    admin: { groups: adminGroups, helpdeskGroups },
    brand,
    mail,
    mfa: { requiredGroups: mfaGroups, enrolGraceSeconds: e.MFA_ENROL_GRACE, consoleRequired: e.MFA_CONSOLE_REQUIRED, rememberDeviceSeconds: e.MFA_REMEMBER_DEVICE },
    metricsToken: e.METRICS_TOKEN,
    webauthn: { passwordless: e.WEBAUTHN_PASSWORDLESS },
    env: e.NODE_ENV,
    production,
    port: e.PORT,
    // development and test listen on this machine only unless told otherwise
    host: e.HOST ?? (production ? '0.0.0.0' : '127.0.0.1'),
    issuer,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    migrate: e.MIGRATE,
    trustProxy: e.TRUST_PROXY || proxies.length > 0,
    trustedProxies: proxies,
    certificate,
    dataDir: e.DATA_DIR,
    cookieKeys,
    keyEncryptionSecret: e.KEY_ENCRYPTION_SECRET,
    signingAlgs: e.SIGNING_ALGS,
    keys: { graceSeconds: e.KEY_ROTATION_GRACE, activationDelaySeconds: e.KEY_ACTIVATION_DELAY, refreshIntervalSeconds: e.KEY_REFRESH_INTERVAL },
    ttl: {
      accessToken: e.ACCESS_TOKEN_TTL,
      idToken: e.ID_TOKEN_TTL,
      refreshToken: e.REFRESH_TOKEN_TTL,
      authorizationCode: e.AUTHORIZATION_CODE_TTL,
      clientCredentials: e.CLIENT_CREDENTIALS_TTL,
      session: e.SESSION_TTL,
      interaction: e.INTERACTION_TTL,
      grant: e.GRANT_TTL,
    },
    gcIntervalSeconds: e.GC_INTERVAL,
    logLevel: e.LOG_LEVEL,
    demo,
    defaultLocale: e.DEFAULT_LOCALE,
  };
}

/**
 * ADMIN_GROUPS (or HELPDESK_GROUPS) -> the groups' DNs in normal form. A value that is not a DN of an entry below the
 * root (a bare name such as "quantri-sso", or "cn=quantri-sso" alone) is refused with the DN form
 * it should take: matching a name would let a group of that name anywhere in the tree in.
 */
export function adminGroupDns(values: readonly string[], baseDn: string | undefined, problems: string[], setting = 'ADMIN_GROUPS'): string[] {
  const out: string[] = [];
  const base = baseDn?.trim() && parseDn(baseDn.trim())?.length ? baseDn.trim() : 'dc=tinh,dc=gov,dc=vn';
  for (const v of values) {
    const rdns = parseDn(v);
    const normal = normalizeDn(v);
    if (rdns !== null && normal !== null && rdns.length >= 2) {
      out.push(normal);
      continue;
    }
    const name = rdns?.length === 1 ? (rdns[0]?.[0]?.value ?? v) : v;
    const shown = JSON.stringify(v.slice(0, 200));
    const why = rdns === null ? 'is not a DN (a group name?)' : rdns.length === 1 ? 'names a group but not where it is in the directory' : 'is empty';
    problems.push(`${setting}: ${shown} ${why}; give each group's full DN, separated by ";", e.g. cn=${escapeDnValue(name.slice(0, 200))},ou=groups,${base}`);
  }
  return [...new Set(out)];
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** LDAP_* -> DirectorySettings, adding every problem found to `problems`. Pure. */
export function directorySettings(e: Env, production: boolean, demo: boolean, problems: string[]): DirectorySettings {
  const mailDomains = e.LDAP_MAIL_DOMAINS.map((d) => d.toLowerCase());
  if (!e.LDAP_URL?.trim()) return demo ? { kind: 'demo', mailDomains: mailDomains.length ? mailDomains : ['tinh.gov.vn'] } : { kind: 'none' };
  const urls = e.LDAP_URL.split(/[\s,]+/).filter(Boolean);
  for (const u of urls) {
    let url: URL | undefined;
    try { url = new URL(u); } catch { /* reported below */ }
    if (!url || (url.protocol !== 'ldap:' && url.protocol !== 'ldaps:') || !url.hostname || (url.pathname && url.pathname !== '/')) {
      problems.push(`LDAP_URL: "${u}" must be ldap://host[:port] or ldaps://host[:port]`);
      continue;
    }
    if (url.protocol === 'ldaps:' && e.LDAP_STARTTLS) problems.push(`LDAP_URL: "${u}" is ldaps:// already; LDAP_STARTTLS applies to ldap:// URLs only`);
    if (production && url.protocol === 'ldap:' && !e.LDAP_STARTTLS && !LOOPBACK_HOSTS.has(url.hostname) && !e.LDAP_ALLOW_PLAINTEXT) {
      problems.push(`LDAP_URL: "${u}" would send passwords in clear text; use ldaps://, LDAP_STARTTLS=true, or set LDAP_ALLOW_PLAINTEXT=true deliberately`);
    }
  }
  if (!e.LDAP_BIND_DN) problems.push('LDAP_BIND_DN: required with LDAP_URL (the service account)');
  if (!e.LDAP_BIND_PASSWORD) problems.push('LDAP_BIND_PASSWORD: required with LDAP_URL (or LDAP_BIND_PASSWORD_FILE)');
  if (!e.LDAP_BASE_DN) problems.push('LDAP_BASE_DN: required with LDAP_URL');
  if (production && e.LDAP_TLS_INSECURE) problems.push('LDAP_TLS_INSECURE: certificate verification cannot be turned off in production');
  if (e.LDAP_USER_FILTER !== undefined && !/^\(.*\)$/s.test(e.LDAP_USER_FILTER.trim())) problems.push('LDAP_USER_FILTER: must be an LDAP filter in parentheses, e.g. (!(zimbraIsSystemAccount=TRUE))');
  if (!e.LDAP_GROUP_FILTER.includes('{dn}') && e.LDAP_GROUPS === 'search') problems.push('LDAP_GROUP_FILTER: must contain {dn}');
  let attributeMap: Record<string, string | string[]> = {};
  if (e.LDAP_ATTRIBUTE_MAP?.trim()) {
    const names = (x: unknown) => typeof x === 'string' || (Array.isArray(x) && x.every((n) => typeof n === 'string'));
    try {
      const v: unknown = JSON.parse(e.LDAP_ATTRIBUTE_MAP);
      if (!v || typeof v !== 'object' || Array.isArray(v) || !Object.values(v).every(names)) throw new Error('not an object of attribute names');
      attributeMap = v as Record<string, string | string[]>;
    } catch {
      problems.push('LDAP_ATTRIBUTE_MAP: must be a JSON object of attribute names (or lists of them), e.g. {"department":"departmentNumber"}');
    }
  }
  return {
    kind: 'ldap',
    urls,
    startTls: e.LDAP_STARTTLS,
    caFile: e.LDAP_CA_FILE,
    tlsInsecure: e.LDAP_TLS_INSECURE,
    bindDn: e.LDAP_BIND_DN ?? '',
    bindPassword: e.LDAP_BIND_PASSWORD ?? '',
    baseDn: e.LDAP_BASE_DN ?? '',
    preset: e.LDAP_PRESET,
    userFilter: e.LDAP_USER_FILTER?.trim() || undefined,
    loginAttributes: e.LDAP_LOGIN_ATTRIBUTES,
    mailDomains,
    attributeMap,
    timeoutMs: e.LDAP_TIMEOUT_MS,
    poolSize: e.LDAP_POOL_SIZE,
    groups: { source: e.LDAP_GROUPS, baseDn: e.LDAP_GROUP_BASE_DN ?? e.LDAP_BASE_DN ?? '', filter: e.LDAP_GROUP_FILTER },
  };
}

interface DevSecrets {
  cookieKeys: string[];
  keyEncryptionSecret: string;
}

/** Development only: reads or creates DATA_DIR (mode 0700) and DATA_DIR/dev-secrets.json (mode 0600). */
function devSecrets(dataDir: string): DevSecrets {
  const file = join(resolve(dataDir), 'dev-secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DevSecrets;
  mkdirSync(resolve(dataDir), { recursive: true, mode: 0o700 });
  const s: DevSecrets = { cookieKeys: [randomBytes(32).toString('base64url')], keyEncryptionSecret: randomBytes(32).toString('base64url') };
  writeFileSync(file, JSON.stringify(s, null, 2) + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return s;
}

/** Full configuration from an environment: the only place that reads process settings. */
export function loadConfig(env: RawEnv = process.env): Config {
  const base = parseEnv(expandFileSettings(env));
  const generatedSecrets: string[] = [];
  let { cookieKeys, keyEncryptionSecret } = base;
  if (!cookieKeys || !keyEncryptionSecret) {
    const dev = devSecrets(base.dataDir);
    if (!cookieKeys) { cookieKeys = dev.cookieKeys; generatedSecrets.push('COOKIE_KEYS'); }
    if (!keyEncryptionSecret) { keyEncryptionSecret = dev.keyEncryptionSecret; generatedSecrets.push('KEY_ENCRYPTION_SECRET'); }
  }
  return { ...base, cookieKeys, keyEncryptionSecret, generatedSecrets, unknownSettings: unknownSettings(env) };
}
