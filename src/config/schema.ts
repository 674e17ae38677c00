/**
 * The one configuration schema. Every setting is an environment variable (or a line in .env);
 * each is described here, in .env.example and in the README. Secrets may also be given as
 * NAME_FILE (a path whose contents are the value). A wrong value stops start-up with a message
 * naming the variable.
 */
import { z } from 'zod';
import { parseDuration } from './duration.js';

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

const list = (def: string) =>
  z
    .string()
    .default(def)
    .transform((v) => v.split(/[\s,]+/).filter(Boolean));

/** Raw environment -> typed settings. Field names are the environment variable names. */
export const envSchema = z.object({
  /** development | production | test. production refuses generated secrets and plain-http issuers. */
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** TCP port the server listens on. */
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Address to listen on. */
  HOST: z.string().min(1).default('0.0.0.0'),
  /** Public base URL of the IdP, as applications see it (https in production). Default http://localhost:$PORT. */
  ISSUER: z.string().optional(),
  /** file:./path.db selects SQLite (the embedded default); postgresql://... selects PostgreSQL. */
  DATABASE_URL: z.string().min(1).default('file:./data/sso.db'),
  /** PostgreSQL connections per instance. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Trust X-Forwarded-* headers (set only behind a TLS-terminating proxy you control). */
  TRUST_PROXY: bool(false),
  /** Folder for development secrets and the default SQLite file. */
  DATA_DIR: z.string().min(1).default('./data'),
  /** Cookie signing keys, comma separated, newest first; each at least 32 characters. Required in production. */
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
});

export type Env = z.infer<typeof envSchema>;

/** Names of the settings that may be given as NAME_FILE. */
export const SECRET_SETTINGS = ['COOKIE_KEYS', 'KEY_ENCRYPTION_SECRET', 'DATABASE_URL'] as const;
