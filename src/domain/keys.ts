/**
 * Which stored keys sign and which are published, at a given time. Pure.
 *
 * Rotation without breaking live tokens, across instances that refresh their key set on an
 * interval: a new key is stored with activatesAt in the future (after every instance has seen
 * it and published it); the key it replaces keeps being published until retireAfter (longer
 * than any token signed with it lives). For each algorithm, the newest key whose activation time
 * has passed signs; every key not past its retireAfter is published.
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

export function isPublished(k: KeyRecord, now: Date): boolean {
  if (k.status === 'retired') return false;
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
