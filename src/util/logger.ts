/**
 * Structured JSON logs (pino). Secrets never reach a log line: known secret-bearing fields are
 * redacted wherever they appear, and request logging records method, path and status only
 * (never query strings, bodies, headers or cookies).
 */
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

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    { level, base: { service: 'sso' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, timestamp: pino.stdTimeFunctions.isoTime },
    destination as pino.DestinationStream | undefined,
  );
}
