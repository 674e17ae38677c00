/**
 * The value that carries a verified certificate's account from the certificate host back to the
 * issuer's: short-lived (RETURN_TTL_SECONDS), bound to one interaction uid and to one purpose
 * (the login's first step, or the second factor), signed with HMAC-SHA256 under a key derived
 * from the first cookie key (checked against every one: a rotation in progress), and single-use:
 * each value's nonce is remembered until it expires. The nonces are kept by this process: with
 * several instances a value could be replayed once at another instance within its lifetime, by
 * the same browser only (the interaction cookie must match the uid). Pure apart from the nonce
 * memory and the random nonce.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const RETURN_TTL_SECONDS = 60;
export type CertificatePurpose = 'login' | 'second_factor';

export interface ReturnClaims {
  uid: string;
  purpose: CertificatePurpose;
  accountId: string;
  /** The certificate's serial, subject and issuer (for the audit trail of the step that consumes it). */
  serial: string;
  subject: string;
  issuer: string;
}

export type ReturnCheck = { ok: true; claims: ReturnClaims } | { ok: false; reason: 'invalid' | 'expired' | 'replayed' | 'wrong_interaction' };

const keyOf = (cookieKey: string) => createHmac('sha256', cookieKey).update('sso certificate return v1').digest();
const mac = (key: Buffer, body: string) => createHmac('sha256', key).update(body).digest('base64url');

export interface ReturnValues {
  issue(claims: ReturnClaims, nowMs: number): string;
  check(value: string, expected: { uid: string; purpose: CertificatePurpose }, nowMs: number): ReturnCheck;
}

export function returnValues(cookieKeys: readonly string[]): ReturnValues {
  const keys = cookieKeys.map(keyOf);
  const used = new Map<string, number>();
  const forget = (nowMs: number) => {
    for (const [nonce, exp] of used) if (exp < nowMs) used.delete(nonce);
  };
  return {
    issue(claims, nowMs) {
      const body = Buffer.from(JSON.stringify({ u: claims.uid, p: claims.purpose, a: claims.accountId, s: claims.serial, sj: claims.subject, is: claims.issuer, e: Math.floor(nowMs / 1000) + RETURN_TTL_SECONDS, n: randomBytes(12).toString('base64url') })).toString('base64url');
      return `${body}.${mac(keys[0]!, body)}`;
    },
    check(value, expected, nowMs) {
      const [body, sig, extra] = value.split('.');
      if (!body || !sig || extra !== undefined || value.length > 4096) return { ok: false, reason: 'invalid' };
      const given = Buffer.from(sig);
      if (!keys.some((k) => { const want = Buffer.from(mac(k, body)); return want.length === given.length && timingSafeEqual(want, given); })) return { ok: false, reason: 'invalid' };
      let c: { u?: unknown; p?: unknown; a?: unknown; s?: unknown; sj?: unknown; is?: unknown; e?: unknown; n?: unknown };
      try {
        c = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as typeof c;
      } catch {
        return { ok: false, reason: 'invalid' };
      }
      if (typeof c.u !== 'string' || typeof c.a !== 'string' || typeof c.e !== 'number' || typeof c.n !== 'string' || typeof c.s !== 'string' || typeof c.sj !== 'string' || typeof c.is !== 'string') return { ok: false, reason: 'invalid' };
      if (c.u !== expected.uid || c.p !== expected.purpose) return { ok: false, reason: 'wrong_interaction' };
      if (c.e * 1000 < nowMs) return { ok: false, reason: 'expired' };
      forget(nowMs);
      if (used.has(c.n)) return { ok: false, reason: 'replayed' };
      used.set(c.n, c.e * 1000);
      return { ok: true, claims: { uid: c.u, purpose: expected.purpose, accountId: c.a, serial: c.s, subject: c.sj, issuer: c.is } };
    },
  };
}
