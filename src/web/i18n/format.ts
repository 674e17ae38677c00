/**
 * Dates, times and durations as people in the province read them: `dd/MM/yyyy HH:mm` in
 * Asia/Ho_Chi_Minh (Việt Nam has one time zone, no daylight saving), "5 phút trước" in lists,
 * "5 giây" / "2 giờ 30 phút" for durations. Never a raw unix time, never "5 s". Pure.
 */
import type { Locale } from './locales.js';

export const TIME_ZONE = 'Asia/Ho_Chi_Minh';

const parts = new Intl.DateTimeFormat('en-GB', {
  timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
});

function fields(d: Date): Record<string, string> {
  return Object.fromEntries(parts.formatToParts(d).map((p) => [p.type, p.value]));
}

/** `dd/MM/yyyy HH:mm` (both languages: the province's form), with `:ss` when `seconds`. '' for no date. */
export function formatDateTime(d: Date | null | undefined, opts: { seconds?: boolean } = {}): string {
  if (!d || Number.isNaN(d.getTime())) return '';
  const f = fields(d);
  return `${f.day}/${f.month}/${f.year} ${f.hour}:${f.minute}${opts.seconds ? `:${f.second}` : ''}`;
}

/** `dd/MM/yyyy`. */
export function formatDate(d: Date | null | undefined): string {
  if (!d || Number.isNaN(d.getTime())) return '';
  const f = fields(d);
  return `${f.day}/${f.month}/${f.year}`;
}

const UNITS = [
  { s: 86_400, vi: 'ngày', en: ['day', 'days'] },
  { s: 3600, vi: 'giờ', en: ['hour', 'hours'] },
  { s: 60, vi: 'phút', en: ['minute', 'minutes'] },
  { s: 1, vi: 'giây', en: ['second', 'seconds'] },
] as const;

function unit(n: number, u: (typeof UNITS)[number], locale: Locale): string {
  return locale === 'vi' ? `${n} ${u.vi}` : `${n} ${u.en[n === 1 ? 0 : 1]}`;
}

/**
 * A duration in words, at most its two largest units: 5 -> "5 giây", 9000 -> "2 giờ 30 phút",
 * 86400 -> "1 ngày" ("5 seconds", "2 hours 30 minutes", "1 day"). 0 -> "0 giây".
 */
export function formatDuration(seconds: number, locale: Locale): string {
  const total = Math.max(0, Math.round(seconds));
  const first = UNITS.findIndex((u) => total >= u.s);
  if (first < 0) return unit(0, UNITS[3], locale);
  const big = UNITS[first]!;
  const n = Math.floor(total / big.s);
  const next = UNITS[first + 1];
  const m = next ? Math.floor((total - n * big.s) / next.s) : 0;
  return next && m > 0 ? `${unit(n, big, locale)} ${unit(m, next, locale)}` : unit(n, big, locale);
}

/**
 * How long ago (or from now), in the largest whole unit: "vừa xong" under a minute, "5 phút
 * trước", "3 giờ trước", "2 ngày trước"; past 30 days the date itself. Future: "5 phút nữa".
 */
export function formatRelative(d: Date | null | undefined, now: Date, locale: Locale): string {
  if (!d || Number.isNaN(d.getTime())) return '';
  const diff = Math.round((now.getTime() - d.getTime()) / 1000);
  const past = diff >= 0;
  const abs = Math.abs(diff);
  if (abs < 60) return locale === 'vi' ? 'vừa xong' : 'just now';
  if (abs >= 30 * 86_400) return formatDate(d);
  const u = UNITS.find((x) => abs >= x.s)!;
  const text = unit(Math.floor(abs / u.s), u, locale);
  if (locale === 'vi') return past ? `${text} trước` : `${text} nữa`;
  return past ? `${text} ago` : `in ${text}`;
}
