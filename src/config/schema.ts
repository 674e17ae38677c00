/**
 * The one configuration schema. Every setting is an environment variable (or a line in .env);
 * each is described here, in .env.example and in the README. Secrets may also be given as
 * NAME_FILE (a path whose contents are the value). A wrong value stops start-up with a message
 * naming the variable.
 */
import { z } from 'zod';
import { parseDuration } from './duration.js';
import { splitDnList } from '../domain/dn.js';

const duration = (def: string, min = 1) =>
  z
    .string()
    .default(def)
    .transform((v, ctx) => {
      const s = parseDuration(v);
      if (s === null || s < min) {
        ctx.addIssue({ code: 'custom', message: `must be a duration such as 90, 90s, 15m, 8h or 14d (at least ${min}s)` });
        return z.NEVER;
      }
      return s;
    });

const bool = (def: boolean) =>
  z
    .string()
    .default(String(def))
    .transform((v, ctx) => {
      const s = v.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(s)) return true;
      if (['0', 'false', 'no', 'off', ''].includes(s)) return false;
      ctx.addIssue({ code: 'custom', message: 'must be true or false' });
      return z.NEVER;
    });

/** An optional whole number; empty reads as unset. */
const optionalInt = (min: number, max: number) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.coerce.number().int().min(min).max(max).optional());

/** LOGIN_FAILURE_FLOOR_MS's default: see the README's throttle section for the measurements. */
const FLOOR_DEFAULT = 400;

const list = (def: string) =>
  z
    .string()
    .default(def)
    .transform((v) => v.split(/[\s,]+/).filter(Boolean));

/** Raw environment -> typed settings. Field names are the environment variable names. */
export const envSchema = z.object({
  /** development | production | test. production refuses generated secrets and plain-http issuers. The `sso` command sets it (production unless --dev; config/sources.ts). */
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** TCP port the server listens on. */
  PORT: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(0).max(65535).default(3000)),
  /** Address to listen on. Default: 0.0.0.0 in production, 127.0.0.1 (this machine only) otherwise. */
  HOST: z.string().min(1).optional(),
  /** Public base URL of the IdP, as applications see it (https in production). Default http://localhost:$PORT. */
  ISSUER: z.string().optional(),
  /** file:./path.db selects SQLite (the embedded default); postgresql://... selects PostgreSQL. */
  DATABASE_URL: z.string().min(1).default('file:./data/sso.db'),
  /** `sso serve` applies pending migrations at start; false: it only checks the schema and refuses to start when it is behind (run `sso db migrate`). */
  MIGRATE: bool(true),
  /** PostgreSQL connections per instance. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Trust X-Forwarded-* headers (set only behind a TLS-terminating proxy you control). */
  TRUST_PROXY: bool(false),
  /** The proxies whose X-Forwarded-* and certificate headers are believed (CIDR list, comma or space separated); with it, a request from any other address has those headers dropped. README, "Trusted proxies". */
  TRUSTED_PROXIES: z.string().max(4000).default(''),
  /** Folder for development secrets and the default SQLite file. */
  DATA_DIR: z.string().min(1).default('./data'),
  /** Cookie signing keys, comma separated; the first signs, all are accepted (rotation: README); each at least 32 characters. Required in production. */
  COOKIE_KEYS: list('').optional(),
  /** Secret (at least 32 characters) that encrypts signing keys at rest. Required in production. */
  KEY_ENCRYPTION_SECRET: z.string().optional(),
  /** Token signing algorithms, the first is the default for ID tokens: ES256, RS256, EdDSA. */
  SIGNING_ALGS: list('ES256,RS256'),
  /** How long a rotated-out key stays published (must exceed the longest token lifetime). */
  KEY_ROTATION_GRACE: duration('1d'),
  /** How long after `sso keys rotate` a new key starts signing (every instance must have picked it up by then). */
  KEY_ACTIVATION_DELAY: duration('2m', 0),
  /** How often each instance re-reads the key set from the database. */
  KEY_REFRESH_INTERVAL: duration('30s'),
  /** Access token lifetime. */
  ACCESS_TOKEN_TTL: duration('1h', 30),
  /** ID token lifetime. */
  ID_TOKEN_TTL: duration('1h', 30),
  /** Refresh token lifetime (each use rotates it). */
  REFRESH_TOKEN_TTL: duration('14d', 60),
  /** Authorization code lifetime. */
  AUTHORIZATION_CODE_TTL: duration('60s', 10),
  /** client_credentials token lifetime. */
  CLIENT_CREDENTIALS_TTL: duration('10m', 30),
  /** Single sign-on session lifetime. */
  SESSION_TTL: duration('10h', 60),
  /** browser: the session cookie ends when the browser closes (shared office PCs); persistent: the login page offers "remember me on this computer". */
  SESSION_COOKIE: z.enum(['browser', 'persistent']).default('browser'),
  /** How long a login or consent page stays valid. */
  INTERACTION_TTL: duration('15m', 60),
  /** How long remembered consent lasts. */
  GRANT_TTL: duration('365d', 60),
  /** How often expired rows are deleted (also `sso db gc`). */
  GC_INTERVAL: duration('10m', 10),
  /** trace | debug | info | warn | error | fatal | silent. */
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** Create the demo client and account (development only; refused in production). Default on in development. */
  DEMO: z.string().optional(),
  /** Page language when the browser states no preference: vi or en. */
  DEFAULT_LOCALE: z.enum(['vi', 'en']).default('vi'),

  // --- The official-mail directory (LDAP). Unset LDAP_URL: the demo directory in development, none otherwise.
  /** One or more ldap:// or ldaps:// URLs, space or comma separated, tried in order (failover). */
  LDAP_URL: z.string().optional(),
  /** Upgrade ldap:// connections with StartTLS. */
  LDAP_STARTTLS: bool(false),
  /** PEM file of the CA that signed the directory's certificate (default: the system's CAs). */
  LDAP_CA_FILE: z.string().optional(),
  /** Turn certificate verification off (never in production; logged loudly). */
  LDAP_TLS_INSECURE: bool(false),
  /** Allow plain ldap:// without StartTLS to a non-loopback host in production (passwords cross the network in clear). */
  LDAP_ALLOW_PLAINTEXT: bool(false),
  /** The service account's DN (read-only access to people and groups). */
  LDAP_BIND_DN: z.string().optional(),
  /** The service account's password (or LDAP_BIND_PASSWORD_FILE). */
  LDAP_BIND_PASSWORD: z.string().optional(),
  /** Where people are searched, e.g. dc=tinh,dc=gov,dc=vn. */
  LDAP_BASE_DN: z.string().optional(),
  /** zimbra | openldap | activedirectory: attribute names, filters and account states. */
  LDAP_PRESET: z.enum(['zimbra', 'openldap', 'activedirectory']).default('zimbra'),
  /** An extra filter ANDed to the preset's, e.g. (!(zimbraIsSystemAccount=TRUE)). */
  LDAP_USER_FILTER: z.string().optional(),
  /** Attributes a bare login is matched against (default per preset: uid, or sAMAccountName and userPrincipalName). */
  LDAP_LOGIN_ATTRIBUTES: list(''),
  /** The province's mail domains: addresses there are email_verified, and user@domain also logs in as user. */
  LDAP_MAIL_DOMAINS: list(''),
  /** JSON object overriding the preset's attribute names, e.g. {"department":"departmentNumber"}. */
  LDAP_ATTRIBUTE_MAP: z.string().optional(),
  /** Timeout of each LDAP connect and operation, in milliseconds. */
  LDAP_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
  /** Service-account connections kept open per instance. */
  LDAP_POOL_SIZE: z.coerce.number().int().min(1).max(64).default(4),
  /** Where group claims come from: memberof (the memberOf attribute), search (a group search), none. */
  LDAP_GROUPS: z.enum(['memberof', 'search', 'none']).default('memberof'),
  /** Base DN of the group search (LDAP_GROUPS=search); default LDAP_BASE_DN. */
  LDAP_GROUP_BASE_DN: z.string().optional(),
  /** Filter of the group search; {dn} is replaced by the person's DN (escaped). */
  LDAP_GROUP_FILTER: z.string().default('(&(objectClass=groupOfNames)(member={dn}))'),

  // --- Directory sync and deprovisioning
  /** How often the server runs a changed-only sync (entries modified since the last run); 0 turns it off. */
  SYNC_INTERVAL: duration('5s', 0),
  /** How often the server runs a full sync (also finds deleted entries); 0 turns it off. */
  SYNC_FULL_INTERVAL: duration('6h', 0),
  /** A full sync that would disable more than this percentage of active accounts is refused (--force overrides). */
  SYNC_MAX_DISABLE_PERCENT: z.coerce.number().min(0).max(100).default(5),
  /**
   * A password changed in the directory (zimbraPasswordModifiedTime, pwdChangedTime, pwdLastSet, or
   * LDAP_ATTRIBUTE_MAP's passwordChanged) ends the person's sessions and refresh tokens, as a disable does.
   */
  SYNC_PASSWORD_CHANGE_LOGOUT: bool(true),
  /** Entries per page of the directory listing (RFC 2696). */
  SYNC_PAGE_SIZE: z.coerce.number().int().min(10).max(5000).default(500),
  /** Attempts to deliver a back-channel logout token before it is marked failed. */
  LOGOUT_DELIVERY_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(10),
  /** Timeout of one back-channel logout delivery, in milliseconds. */
  LOGOUT_DELIVERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),

  // --- Password-guessing throttle (checked before any directory bind)
  /** Failed logins are counted over this window (at least the directory's own failure-counting period). */
  THROTTLE_WINDOW: duration('1h', 10),
  /** Failures for one login before each further attempt is delayed (progressively). */
  THROTTLE_ACCOUNT_DELAY_AFTER: z.coerce.number().int().min(1).max(1000).default(3),
  /** Failures for one person from unknown devices, all addresses together, before unknown devices are blocked for that person until THROTTLE_WINDOW has passed. */
  THROTTLE_ACCOUNT_BLOCK_AFTER: z.coerce.number().int().min(1).max(1000).default(5),
  /** Failures from one client address before its attempts are delayed. */
  THROTTLE_IP_DELAY_AFTER: z.coerce.number().int().min(1).max(100_000).default(20),
  /** Failures from one client address before it is blocked. */
  THROTTLE_IP_BLOCK_AFTER: z.coerce.number().int().min(1).max(100_000).default(100),
  /** How long an address block lasts (blocks of a person last until THROTTLE_WINDOW has passed since their last failure). */
  THROTTLE_BLOCK_DURATION: duration('15m', 1),
  /** The longest progressive delay, in milliseconds. */
  THROTTLE_MAX_DELAY_MS: z.coerce.number().int().min(0).max(30_000).default(4000),
  /** Failures for one login from one client address (unknown devices) before that address is blocked for that login; default 4 (at most THROTTLE_ACCOUNT_BLOCK_AFTER). */
  THROTTLE_ACCOUNT_ADDRESS_BLOCK_AFTER: optionalInt(1, 1000),
  /** Failures for one login on one known device (a browser where it logged in before) before that device is blocked for it. */
  THROTTLE_DEVICE_BLOCK_AFTER: z.coerce.number().int().min(1).max(1000).default(3),
  /** Failures for one person from all their known devices together before known devices are blocked for them too. */
  THROTTLE_KNOWN_DEVICES_BLOCK_AFTER: z.coerce.number().int().min(1).max(1000).default(4),
  /** How long a browser stays a known device after its last successful login. */
  THROTTLE_KNOWN_DEVICE_TTL: duration('180d', 3600),
  /** The province's networks (CIDR, IPv4 and IPv6, comma or space separated), whose per-address limits are multiplied by THROTTLE_TRUSTED_FACTOR. */
  THROTTLE_TRUSTED_NETWORKS: z.string().default(''),
  /** The multiplier of the per-address limits for THROTTLE_TRUSTED_NETWORKS. */
  THROTTLE_TRUSTED_FACTOR: z.coerce.number().int().min(1).max(1000).default(20),
  /** The directory's own lockout: wrong passwords that lock a person (Zimbra: 10 an hour). Start-up refuses throttle settings that let this many reach it; 0: the directory has none. */
  DIRECTORY_LOCKOUT_AFTER: z.coerce.number().int().min(0).max(1000).default(10),

  // --- The login page
  /** Every failed login is answered no sooner than this many milliseconds after it began (waiting, not computing), so timing does not tell local, directory and unknown logins apart. */
  LOGIN_FAILURE_FLOOR_MS: z.coerce.number().int().min(0).max(10_000).default(FLOOR_DEFAULT),
  /** Who to contact when a login cannot go on, shown on the login page (free text, e.g. "Phòng CNTT – 0228 3xxx xxx, hotro@tinh.gov.vn"). */
  HELPDESK_CONTACT: z.string().max(300, 'must be at most 300 characters').optional(),

  // --- Who may use which application (src/access/)
  /** How long a person's groups read from the directory are trusted for an application's access policy (0: read every time; at most 5m). */
  ACCESS_GROUPS_CACHE: duration('5m', 0).refine((s) => s <= 300, 'must be at most 5m (300s)'),
  // --- Login with the government digital-signature certificate (config/certificate.ts)
  /** The dedicated origin (another host or port) where browsers are asked for a certificate, e.g. https://sso.tinh.gov.vn:8443; unset: no certificate login. */
  CERT_LOGIN_URL: z.string().max(300).optional(),
  /** PEM file of the CAs (and intermediates) whose certificates are accepted. */
  CERT_CA_FILE: z.string().optional(),
  /** PEM file of the CAs' certificate revocation lists, re-read when it changes; unset: revocation not checked. */
  CERT_CRL_FILE: z.string().optional(),
  /** The header in which the proxy forwards the client certificate ($ssl_client_escaped_cert). */
  CERT_HEADER: z.string().default('X-SSL-Client-Cert'),
  /** How a certificate names its account: uid (the subject's UID is the login), email (the e-mail in subjectAltName) or attribute:<LDAP attribute> (its value "<issuer DN>;<serial hex>"). */
  CERT_MAP: z.string().default('uid'),
  /** A certificate alone signs in (amr sc); false: it is only a second factor after the password. */
  CERT_FIRST_FACTOR: bool(false),

  // --- The province's own name (config/brand.ts)
  /** The product's name on every page, e.g. "Hệ thống đăng nhập một lần – UBND tỉnh Nam Định"; default the catalogue's "Đăng nhập một lần". */
  BRAND_NAME: z.string().max(120, 'must be at most 120 characters').optional(),
  /** A PNG or JPEG logo file shown in the header of every page (at most 256 KiB). */
  BRAND_LOGO_FILE: z.string().optional(),
  /** The main colour (#rrggbb) of buttons and the header; refused below 4.5:1 against white (WCAG AA). */
  BRAND_PRIMARY_COLOR: z.string().optional(),
  /** One line at the foot of every page: the office's address, a hotline. */
  BRAND_FOOTER: z.string().max(300, 'must be at most 300 characters').optional(),
  /** Where a person changes or recovers the mail password (the mail system's page); https:. */
  PASSWORD_HELP_URL: z.string().max(2000).optional(),

  // --- Audit trail
  /** How long audit events are kept; 0 keeps them forever. */
  AUDIT_RETENTION: duration('365d', 0),
  /** Forward every audit event to a syslog receiver: tcp+tls://host:6514 (RFC 5425), tcp://host:514 or udp://host:514 (best effort). */
  AUDIT_SYSLOG: z.string().optional(),
  /** PEM file of the CA the syslog receiver's certificate must chain to (tcp+tls://); default the system CAs. */
  AUDIT_SYSLOG_CA_FILE: z.string().optional(),

  // --- Security notices by e-mail (config/mail.ts)
  /** Where notices to a person are sent through (a second factor enrolled on their account): smtp://[user:password@]host[:port][?starttls=required] or smtps://...; unset: no mail is sent. A secret when it holds a password (SMTP_URL_FILE). */
  SMTP_URL: z.string().max(2000).optional(),
  /** The notices' From: an address or "Name <address>"; default no-reply@ the issuer's host. */
  SMTP_FROM: z.string().max(300, 'must be at most 300 characters').optional(),
  /** PEM file of the CA the SMTP server's certificate must chain to; default the system CAs. */
  SMTP_CA_FILE: z.string().optional(),

  // --- Admin console
  /**
   * Directory groups whose members administer the console: each group's full DN, separated by ;
   * (e.g. cn=quantri-sso,ou=groups,dc=tinh,dc=gov,dc=vn), compared after DN normalisation. A bare
   * group name is refused: a group of that name elsewhere in the tree would grant the console.
   */
  ADMIN_GROUPS: z
    .string()
    .default('')
    .transform((v) => splitDnList(v.normalize('NFC'))),

  /**
   * Directory groups whose members are the helpdesk (find a person, unblock, log out everywhere):
   * each group's full DN, separated by ;, as ADMIN_GROUPS. Administrators can do all of it too.
   */
  HELPDESK_GROUPS: z
    .string()
    .default('')
    .transform((v) => splitDnList(v.normalize('NFC'))),

  // --- WebAuthn (src/webauthn/)
  /** Offer "Đăng nhập bằng passkey" on the login page: a passkey with user verification signs in without the password. */
  WEBAUTHN_PASSWORDLESS: bool(false),
  // --- Second factor (src/second-factor/)
  /** Directory groups whose members must use a second factor: each group's full DN, separated by ;, as ADMIN_GROUPS. */
  MFA_REQUIRED_GROUPS: z
    .string()
    .default('')
    .transform((v) => splitDnList(v.normalize('NFC'))),
  /** How long a person who must use a second factor may put off enrolling, from the first login that required it; 0: at once. */
  MFA_ENROL_GRACE: duration('0', 0),
  /** Administrators and helpdesk officers must use a second factor (and the console refuses them without one); false only for trials and tests (a warning at every start in production). */
  MFA_CONSOLE_REQUIRED: bool(true),
  /** How long a browser where a person gave the second factor (and ticked "remember") is not asked again; 0 (default): never, the second factor is remembered per session only. At most 30d. */
  MFA_REMEMBER_DEVICE: duration('0', 0).refine((s) => s <= 30 * 86400, 'must be at most 30d'),

  // --- Metrics
  /** Bearer token required by GET /metrics (or METRICS_TOKEN_FILE); unset: /metrics is open (restrict it at the proxy). */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
});

export type Env = z.infer<typeof envSchema>;

/** Names of the settings that may be given as NAME_FILE. */
export const SECRET_SETTINGS = ['COOKIE_KEYS', 'KEY_ENCRYPTION_SECRET', 'DATABASE_URL', 'LDAP_BIND_PASSWORD', 'METRICS_TOKEN', 'SMTP_URL'] as const;
