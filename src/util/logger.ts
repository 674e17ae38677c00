/**
 * Structured JSON logs (pino), one object per line on stdout, for people and for the province's
 * security operations centre alike (docs/logging.md is the field reference):
 *
 *   {"level":"info","time":"2026-…Z","service":"sso","host":"sso-1","event":"login.success",…,"msg":"…"}
 *
 * `level` is a name (trace, debug, info, warn, error, fatal), never pino's number; `event` is a
 * stable name on every line anyone may act on. Secrets never reach a log line: known
 * secret-bearing fields are redacted wherever they appear, and request logging records method,
 * path and status only (never query strings, bodies, headers or cookies).
 */
import { hostname } from 'node:os';
import { pino, type Logger } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'password', '*.password', 'client_secret', '*.client_secret', 'secret', '*.secret',
  'token', '*.token', 'access_token', '*.access_token', 'refresh_token', '*.refresh_token',
  'id_token', '*.id_token', 'code', '*.code', 'code_verifier', '*.code_verifier',
  'cookie', '*.cookie', 'authorization', '*.authorization', 'headers', '*.headers',
  'keyEncryptionSecret', 'cookieKeys', '*.keyEncryptionSecret', '*.cookieKeys',
  'bindPassword', '*.bindPassword', 'peoplePassword', '*.peoplePassword',
];

/** The level names, lowest first, as they appear in the `level` field. */
export const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LevelName = (typeof LEVELS)[number];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'sso', host: hostname() },
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination as pino.DestinationStream | undefined,
  );
}
