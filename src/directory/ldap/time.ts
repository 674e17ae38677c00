/**
 * Time values of an entry: LDAP GeneralizedTime (Zimbra, OpenLDAP ppolicy, modifyTimestamp) and
 * Windows FILETIME (Active Directory's accountExpires and lockoutTime). Pure.
 */

/**
 * LDAP GeneralizedTime (RFC 4517) -> Date: YYYYMMDDHH[MM[SS]][(.|,)fraction](Z|+hh[mm]|-hh[mm]),
 * the fraction applying to the last unit given (20261127010203Z, 20261127010203.0Z,
 * 202611270102.5Z, 20261127080203+0700). null for anything else, including a time without a
 * zone (local time of an unknown place) and impossible dates (20260230...).
 */
export function parseGeneralizedTime(s: unknown): Date | null {
  if (typeof s !== 'string' || s.length > 64) return null;
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(?:(\d{2})(\d{2})?)?(?:[.,](\d{1,9}))?(Z|[+-]\d{2}(?:\d{2})?)$/.exec(s.trim());
  if (!m) return null;
  const [, ys, mos, ds, hs, mis, ss, frac, zone] = m;
  const year = Number(ys);
  const month = Number(mos);
  const day = Number(ds);
  const hour = Number(hs);
  const minute = mis === undefined ? 0 : Number(mis);
  const second = ss === undefined ? 0 : Number(ss);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, Math.min(second, 59), 0);
  if (d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  let ms = d.getTime();
  if (second === 60) ms += 1000; // a leap second: the instant after :59
  if (frac !== undefined) {
    const f = Number(`0.${frac}`);
    const unit = ss !== undefined ? 1000 : mis !== undefined ? 60_000 : 3_600_000;
    ms += Math.floor(f * unit);
  }
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const zh = Number(zone.slice(1, 3));
    const zm = zone.length > 3 ? Number(zone.slice(3, 5)) : 0;
    if (zh > 23 || zm > 59) return null;
    ms -= sign * (zh * 60 + zm) * 60_000;
  }
  const out = new Date(ms);
  return Number.isNaN(out.getTime()) ? null : out;
}

const FILETIME_EPOCH_OFFSET_MS = 11_644_473_600_000n; // 1601-01-01 -> 1970-01-01
const FILETIME_NEVER = 0x7fffffffffffffffn;

/**
 * Windows FILETIME (100-ns intervals since 1601-01-01 UTC, as AD writes accountExpires and
 * lockoutTime: a decimal string) -> Date. null for 0 and 0x7FFFFFFFFFFFFFFF ("never") and for
 * anything that is not a non-negative decimal integer.
 */
export function fileTimeToDate(s: unknown): Date | null {
  let v: bigint;
  if (typeof s === 'bigint') v = s;
  else if (typeof s === 'number' && Number.isSafeInteger(s)) v = BigInt(s);
  else if (typeof s === 'string' && /^\s*\d{1,20}\s*$/.test(s)) v = BigInt(s.trim());
  else return null;
  if (v <= 0n || v >= FILETIME_NEVER) return null;
  const ms = v / 10_000n - FILETIME_EPOCH_OFFSET_MS;
  const d = new Date(Number(ms));
  return Number.isNaN(d.getTime()) ? null : d;
}
