/**
 * A secret rotation with an overlap: the secret before the rotation stays accepted until a date
 * the administrator picks (at most MAX_SECRET_OVERLAP_DAYS ahead), so that the application can
 * be given the new one without a moment of refused logins. Pure.
 */
export const MAX_SECRET_OVERLAP_DAYS = 90;
const DAY_MS = 86_400_000;

export type OverlapProblem = 'invalid' | 'past' | 'too_far';

/** What is wrong with this overlap end, or null. */
export function overlapProblem(until: Date, now: Date): OverlapProblem | null {
  if (Number.isNaN(until.getTime())) return 'invalid';
  if (until.getTime() <= now.getTime()) return 'past';
  if (until.getTime() > now.getTime() + MAX_SECRET_OVERLAP_DAYS * DAY_MS) return 'too_far';
  return null;
}

export const OVERLAP_PROBLEM_TEXT: Record<OverlapProblem, string> = {
  invalid: 'the overlap end is not a valid date',
  past: 'the overlap end must be in the future',
  too_far: `the overlap end must be at most ${MAX_SECRET_OVERLAP_DAYS} days ahead`,
};

/** The previous secret is still accepted at `now`. */
export function previousSecretAccepted(hash: string | null | undefined, until: Date | null | undefined, now: Date): boolean {
  return typeof hash === 'string' && until instanceof Date && until.getTime() > now.getTime();
}

/**
 * "2026-12-31", "2026-12-31T17:00", "2026-12-31T17:00:00+07:00" (ISO; without an offset, the
 * time is Vietnam's) or "31/12/2026 17:00" (dd/MM/yyyy HH:mm, Vietnam's time, Asia/Ho_Chi_Minh,
 * UTC+7 all year). A date alone means the start of that day. Null when it is none of these.
 */
export function parseOverlapUntil(text: string): Date | null {
  const s = text.trim();
  const vn = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2}))?$/.exec(s);
  if (vn) return vietnamTime(+vn[3]!, +vn[2]!, +vn[1]!, +(vn[4] ?? 0), +(vn[5] ?? 0), 0);
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?)?(Z|[+-]\d{2}:\d{2})?$/.exec(s);
  if (!iso) return null;
  const [, y, mo, d, h = '0', mi = '0', sec = '0', zone] = iso;
  const local = vietnamTime(+y!, +mo!, +d!, +h, +mi, +sec);
  if (!local || !zone) return local;
  const parsed = new Date(s.replace(' ', 'T'));
  return Number.isNaN(parsed.getTime()) ? null : parsed;
}

/** A wall-clock time in Vietnam (UTC+7, no daylight saving); null when the fields name no real time. */
function vietnamTime(y: number, mo: number, d: number, h: number, mi: number, s: number): Date | null {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  const utc = Date.UTC(y, mo - 1, d, h - 7, mi, s);
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return null;
  return new Date(utc);
}

/** "31/12/2026 17:30" in Vietnam's time (the form parseOverlapUntil reads back). Pure. */
export function formatVietnamTime(d: Date): string {
  const v = new Date(d.getTime() + 7 * 3_600_000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(v.getUTCDate())}/${two(v.getUTCMonth() + 1)}/${v.getUTCFullYear()} ${two(v.getUTCHours())}:${two(v.getUTCMinutes())}`;
}
