/**
 * Variables that look like settings of sso but are not: a misspelt `LDAP_BSAE_DN` or
 * `THROTTLE_WINDOWS` is otherwise silently ignored (the default applies). Every variable of the
 * environment (the `.env` file included) named SSO_*, LDAP_* or THROTTLE_* must be a setting, the
 * _FILE form of a secret setting, or one of the few read before the configuration. Reported at
 * start (a warning: the server still starts), with the closest setting when one is near. Pure.
 */
import { envSchema, SECRET_SETTINGS } from './schema.js';

const PREFIXES = /^(SSO|LDAP|THROTTLE)_/;

/** Read before the configuration is: which file to read it from (`sso serve --config`). */
const READ_BEFORE = ['SSO_CONFIG'];

export const KNOWN_SETTINGS: readonly string[] = [...Object.keys(envSchema.shape), ...SECRET_SETTINGS.map((n) => `${n}_FILE`), ...READ_BEFORE];

/** Levenshtein distance, bounded: anything above `max` is max + 1. */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** The known setting nearest to `name` (at most 3 edits, or the same words in another order), if any. */
export function nearestSetting(name: string, known: readonly string[] = KNOWN_SETTINGS): string | undefined {
  const words = name.split('_').sort().join('_');
  const sameWords = known.find((k) => k.split('_').sort().join('_') === words);
  if (sameWords) return sameWords;
  let best: { name: string; d: number } | undefined;
  for (const k of known) {
    const d = distance(name, k, 3);
    if (d <= 3 && (!best || d < best.d)) best = { name: k, d };
  }
  return best?.name;
}

/** One sentence per unknown SSO_/LDAP_/THROTTLE_ variable of `env`, in name order. */
export function unknownSettings(env: Record<string, string | undefined>, known: readonly string[] = KNOWN_SETTINGS): string[] {
  const set = new Set(known);
  return Object.keys(env)
    .filter((n) => PREFIXES.test(n) && !set.has(n))
    .sort()
    .map((n) => {
      const near = nearestSetting(n, known);
      return `${n} is not a setting of sso and is ignored${near ? `: did you mean ${near}?` : ''}`;
    });
}
