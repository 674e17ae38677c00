/**
 * Back-channel logout tokens (OpenID Connect Back-Channel Logout 1.0, section 2.4): the claims
 * (pure) and their signature. A logout token is a JWT with `typ: logout+jwt`, signed like the
 * client's ID tokens, carrying `events` with the back-channel logout event, `sub` and `sid`, and
 * never a `nonce` (so it can never be mistaken for an ID token).
 */
import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT, type JWK } from 'jose';

export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
export const LOGOUT_TOKEN_TYPE = 'logout+jwt';
/** How long a logout token is valid: the spec recommends a short life (two minutes here). */
export const LOGOUT_TOKEN_TTL_SECONDS = 120;

export interface LogoutTokenClaims {
  iss: string;
  aud: string;
  iat: number;
  exp: number;
  jti: string;
  sub: string;
  sid?: string;
  events: { [BACKCHANNEL_LOGOUT_EVENT]: Record<string, never> };
}

export interface LogoutTokenInput {
  issuer: string;
  clientId: string;
  /** The subject: the account id, as in the client's ID tokens. */
  sub: string;
  /** The session id the client saw in its ID token's `sid`, when known. */
  sid?: string | null | undefined;
  /** Defaults to the current time. */
  now?: Date | undefined;
  /** Defaults to a random UUID; unique per token (receivers use it to detect replays). */
  jti?: string | undefined;
}

/** The claims of one logout token. Pure (given now and jti). */
export function logoutTokenClaims({ issuer, clientId, sub, sid, now, jti }: LogoutTokenInput): LogoutTokenClaims {
  const iat = Math.floor((now ?? new Date()).getTime() / 1000);
  const claims: LogoutTokenClaims = {
    iss: issuer,
    aud: clientId,
    iat,
    exp: iat + LOGOUT_TOKEN_TTL_SECONDS,
    jti: jti ?? randomUUID(),
    sub,
    events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
  };
  if (sid) claims.sid = sid;
  return claims;
}

/** A private signing key as the key store holds it (kid and alg always present). */
export type SigningJwk = Record<string, unknown> & { kid: string; alg: string };

/** Signs the claims with the key: header `{ alg, kid, typ: "logout+jwt" }`. */
export async function signLogoutToken(claims: LogoutTokenClaims, jwk: SigningJwk): Promise<string> {
  const key = await importJWK(jwk as JWK, jwk.alg);
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: jwk.alg, kid: jwk.kid, typ: LOGOUT_TOKEN_TYPE })
    .sign(key);
}
