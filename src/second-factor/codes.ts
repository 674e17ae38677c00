/**
 * The second factor's secrets at rest: the TOTP secret sealed with the signing keys' envelope
 * (KEY_ENCRYPTION_SECRET, the row id as associated data), recovery and enrolment codes kept as
 * HMAC-SHA-256 under a key derived from the same secret (50 random bits each: a keyed fast hash
 * is enough, and a stolen table without the secret gives nothing to try offline).
 */
import { createHmac, hkdfSync, randomInt } from 'node:crypto';
import { open, seal } from '../keys/envelope.js';
import { CODE_LENGTH, formatCode, normalizeCode } from '../domain/second-factor.js';

const aad = (id: string) => `mfa-totp:${id}`;

export interface FactorSecrets {
  sealTotp(secret: string, id: string): string;
  openTotp(sealed: string, id: string): string;
  /** A new random code ("ABCDE-FGHJK"). */
  newCode(): string;
  /** The stored form of a typed or issued code. */
  hashCode(code: string): string;
}

export function factorSecrets(keyEncryptionSecret: string): FactorSecrets {
  const hmacKey = Buffer.from(hkdfSync('sha256', Buffer.from(keyEncryptionSecret, 'utf8'), Buffer.alloc(0), 'sso second-factor codes v1', 32));
  return {
    sealTotp: (secret, id) => seal(secret, keyEncryptionSecret, aad(id)),
    openTotp: (sealed, id) => open(sealed, keyEncryptionSecret, aad(id)),
    newCode: () => formatCode(Array.from({ length: CODE_LENGTH }, () => randomInt(32))),
    hashCode: (code) => createHmac('sha256', hmacKey).update(normalizeCode(code)).digest('base64url'),
  };
}
