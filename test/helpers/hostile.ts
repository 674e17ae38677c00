/** Shared checks for hostile-input tests and the fuzzer: leaks in a response, stray rejections. */
import { realProcess } from './slapd.js';

/** What must never appear in a response: stack frames, source paths, driver or query text, internals. */
const LEAKS: [string, RegExp][] = [
  ['stack frame', /\bat (?:async )?[\w$.<>\[\] ]*\(?(?:file:\/\/)?\/[^\s)]+\.(?:ts|js|mjs|cjs):\d+/],
  ['stack frame', /\n\s+at [\w$.<>]+ \(/],
  ['source path', /\/(?:work|home|root|usr)\/[\w./-]*(?:src|node_modules)\//],
  ['node_modules', /node_modules/],
  ['prisma', /\bprisma\b|PrismaClient|P\d{4}\b.*invocation/i],
  ['sql', /\b(?:SELECT|INSERT INTO|UPDATE|DELETE FROM)\b[^<]{0,40}\b(?:FROM|SET|VALUES|WHERE)\b/],
  ['database url', /postgres(?:ql)?:\/\/|file:\.?\/data/i],
  ['error class', /\b(?:TypeError|ReferenceError|SyntaxError|RangeError): /],
  ['ldap internals', /\b(?:ldapts|InvalidCredentialsError|UnavailableError)\b/],
];

/** The kind of internal detail a response body shows, or null. */
export function findLeak(body: string): string | null {
  for (const [what, re] of LEAKS) if (re.test(body)) return what;
  return null;
}

/** Collects unhandledRejection / uncaughtException on the real process while a test file runs. */
export function collectUnhandled(): { seen: unknown[]; stop(): void } {
  const proc = realProcess();
  const seen: unknown[] = [];
  const on = (e: unknown) => seen.push(e instanceof Error ? `${e.name}: ${e.message}` : e);
  proc.on('unhandledRejection', on);
  proc.on('uncaughtException', on);
  return {
    seen,
    stop() {
      proc.off('unhandledRejection', on);
      proc.off('uncaughtException', on);
    },
  };
}
