/**
 * The WebAuthn decisions that need no I/O: whether an assertion's signature counter may be
 * accepted, which `amr` method an authenticator is, and what a person may name one. Pure.
 */
import type { Method } from './authn-level.js';

/** How long a name a person gives an authenticator may be. */
export const AUTHENTICATOR_NAME_MAX = 64;

/**
 * Whether the counter an assertion carries (`received`) may follow the stored one. The counter
 * is checked only when one of them is not zero: passkeys (synced, or platform authenticators)
 * send 0 every time and never count. Otherwise it must go up; a counter that stays or goes back
 * means the authenticator was cloned (WebAuthn §6.1.1, signCount), and the assertion is refused.
 */
export function counterAccepted(stored: number, received: number): boolean {
  if (stored === 0 && received === 0) return true;
  return received > stored;
}

/**
 * The RFC 8176 method of an authenticator, from the attachment the browser reported when it was
 * registered: `hwk` for a cross-platform authenticator (a security key), `swk` otherwise (a
 * platform authenticator, a synced passkey, or the browser did not say).
 */
export function methodOf(attachment: string): Extract<Method, 'hwk' | 'swk'> {
  return attachment === 'cross-platform' ? 'hwk' : 'swk';
}

/**
 * A name as a person typed it: trimmed, inner runs of spaces made one, control characters
 * removed, at most AUTHENTICATOR_NAME_MAX characters; null when nothing is left.
 */
export function authenticatorName(typed: string): string | null {
  const clean = typed.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').replace(/\s+/g, ' ').trim();
  if (!clean) return null;
  return [...clean].slice(0, AUTHENTICATOR_NAME_MAX).join('');
}

/** The relying party of an issuer: its host name is the RP ID, its origin the expected origin. */
export function relyingPartyOf(issuer: string): { rpId: string; origin: string } {
  const u = new URL(issuer);
  return { rpId: u.hostname, origin: u.origin };
}
