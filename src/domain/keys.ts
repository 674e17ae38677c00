/**
 * Which stored keys sign and which are published, at a given time. Pure.
 *
 * Rotation without breaking live tokens, across instances that refresh their key set on an
 * interval: a new key is stored with activatesAt in the future (after every instance has seen
 * it and published it); the key it replaces keeps being published until retireAfter (longer
 * than any token signed with it lives). For each algorithm, the newest key whose activation time
 * has passed signs; every key not past its retireAfter is published.
 *
 * A revoked key (`sso keys revoke`: compromised) is neither published nor signing, whatever its
 * dates: relying parties that fetch the JWKS stop trusting it, and so does the provider itself.
 */
export const SUPPORTED_SIGNING_ALGS = ['ES256', 'RS256', 'EdDSA'] as const;
export type SigningAlg = (typeof SUPPORTED_SIGNING_ALGS)[number];

export interface KeyRecord {
  kid: string;
  alg: string;
  status: string;
  activatedAt: Date | null;
  retireAfter: Date | null;
  createdAt: Date;
}

export interface KeySet<K extends KeyRecord> {
  /** Published keys, each algorithm's signing key before the others (oidc-provider signs with the first of an alg). */
  published: K[];
  signing: Map<string, K>;
}

/** The stored statuses: `active` and `retiring` follow their dates; `retired` and `revoked` are never published. */
export const KEY_STATUSES = ['active', 'retiring', 'retired', 'revoked'] as const;

export function isPublished(k: KeyRecord, now: Date): boolean {
  if (k.status === 'retired' || k.status === 'revoked') return false;
  return !k.retireAfter || k.retireAfter.getTime() > now.getTime();
}

export function isSigning(k: KeyRecord, now: Date): boolean {
  return isPublished(k, now) && !!k.activatedAt && k.activatedAt.getTime() <= now.getTime();
}

export function keySchedule<K extends KeyRecord>(keys: K[], now: Date, algs: readonly string[]): KeySet<K> {
  const published = keys.filter((k) => isPublished(k, now));
  const signing = new Map<string, K>();
  for (const alg of algs) {
    const candidates = published
      .filter((k) => k.alg === alg && isSigning(k, now))
      .sort((a, b) => b.activatedAt!.getTime() - a.activatedAt!.getTime() || b.createdAt.getTime() - a.createdAt.getTime());
    if (candidates[0]) signing.set(alg, candidates[0]);
  }
  const signers = new Set([...signing.values()]);
  const order = (k: K) => (signers.has(k) ? 0 : 1);
  return {
    published: [...published].sort((a, b) => order(a) - order(b) || a.kid.localeCompare(b.kid)),
    signing,
  };
}

/** A stable fingerprint of what a key set publishes and signs with; instances rebuild when it changes. */
export function keySetVersion(set: KeySet<KeyRecord>): string {
  return set.published.map((k) => `${k.kid}${set.signing.get(k.alg) === k ? '*' : ''}`).join(',');
}

/** What a key is doing, in the words `sso keys list` shows. */
export type KeyState = 'signing' | 'next' | 'published' | 'retired' | 'revoked';

export interface KeyStateView {
  state: KeyState;
  /** next: when it starts signing. */
  signsFrom: Date | null;
  /** signing: when the next key of its algorithm takes over (null: until a rotation). */
  signsUntil: Date | null;
  /** signing, next, published: when it leaves the JWKS (null: no end set, until a rotation). */
  publishedUntil: Date | null;
  /** retired, revoked: since when. */
  since: Date | null;
}

/** The state of key `k` among `keys` at `now`. Pure. */
export function keyState<K extends KeyRecord & { retiredAt?: Date | null }>(k: K, keys: readonly K[], now: Date, algs: readonly string[]): KeyStateView {
  const none = { signsFrom: null, signsUntil: null, publishedUntil: null, since: null };
  if (k.status === 'revoked') return { ...none, state: 'revoked', since: k.retiredAt ?? null };
  if (!isPublished(k, now)) return { ...none, state: 'retired', since: k.retiredAt ?? k.retireAfter ?? null };
  const publishedUntil = k.retireAfter ?? null;
  if (!isSigning(k, now)) {
    if (k.activatedAt && k.activatedAt.getTime() > now.getTime()) return { ...none, state: 'next', signsFrom: k.activatedAt, publishedUntil };
    return { ...none, state: 'published', publishedUntil };
  }
  const set = keySchedule([...keys], now, algs);
  if (set.signing.get(k.alg)?.kid !== k.kid) return { ...none, state: 'published', publishedUntil };
  const successors = keys
    .filter((o) => o.kid !== k.kid && o.alg === k.alg && isPublished(o, now) && o.activatedAt && o.activatedAt.getTime() > now.getTime())
    .map((o) => o.activatedAt!.getTime());
  return { ...none, state: 'signing', signsUntil: successors.length ? new Date(Math.min(...successors)) : null, publishedUntil };
}
