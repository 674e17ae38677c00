/**
 * What every WebAuthn page shares at the web edge: the ceremony's challenge id in an httpOnly
 * cookie (binding the stored challenge to this browser), the browser's JSON answer read from a
 * form field through a bounded schema, and the @simplewebauthn/browser bundle served from the
 * product itself (no CDN) at WEBAUTHN_BROWSER_PATH.
 *
 * A page with a WebAuthn button (public/webauthn.js) needs:
 *   <form method="post" action="…verify…">  csrf field, <input type="hidden" name="response">
 *     <button type="button" data-webauthn="register|authenticate" data-options-url="…" hidden>
 *     <p data-webauthn-status role="alert"></p>
 *   </form>
 * The script posts the form's fields to data-options-url, expects `{ "options": … }` (sendOptions),
 * runs the ceremony, puts its JSON in `response` and submits the form.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Request, RequestHandler, Response } from 'express';
import { parse as parseCookie } from 'cookie';
import { z } from 'zod';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { SsoError } from '../domain/errors.js';
import { CHALLENGE_TTL_SECONDS, type Ceremony } from './service.js';

export const CHALLENGE_COOKIE = 'sso_webauthn';
/** Where the pages load @simplewebauthn/browser from. */
export const WEBAUTHN_BROWSER_PATH = '/assets/vendor/simplewebauthn-browser.js';
/** The form field carrying the browser's JSON answer, and its bound (an attestation with certificates stays far below). */
export const RESPONSE_FIELD = 'response';
const RESPONSE_MAX = 16_000;

/** Sends a ceremony's options as JSON and keeps its challenge id in a cookie for `path`. */
export function sendOptions(res: Response, ceremony: Ceremony<unknown>, opts: { path: string; secure: boolean }): void {
  res.cookie(CHALLENGE_COOKIE, ceremony.challengeId, { httpOnly: true, sameSite: 'strict', secure: opts.secure, path: opts.path, maxAge: CHALLENGE_TTL_SECONDS * 1000 });
  res.set('Cache-Control', 'no-store').json({ options: ceremony.options });
}

/** The challenge id this browser holds (the cookie is cleared: a challenge is answered once). */
export function takeChallengeId(req: Request, res: Response, path: string): string | undefined {
  const id = parseCookie(req.headers.cookie ?? '')[CHALLENGE_COOKIE];
  res.clearCookie(CHALLENGE_COOKIE, { path });
  return id && id.length <= 64 ? id : undefined;
}

const b64url = z.string().max(RESPONSE_MAX).regex(/^[A-Za-z0-9_-]*$/);

/** The shape both answers share, checked before the library reads them (the library checks the rest). */
const credentialOf = <R extends z.ZodRawShape>(response: R) => z.object({
  id: b64url.min(1),
  rawId: b64url.min(1),
  type: z.literal('public-key'),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  response: z.object({ clientDataJSON: b64url, ...response }).passthrough(),
}).passthrough();

const registrationSchema = credentialOf({ attestationObject: b64url, transports: z.array(z.string().max(20)).max(10).optional() });

const authenticationSchema = credentialOf({ authenticatorData: b64url, signature: b64url, userHandle: b64url.optional() });

function parseJson(body: unknown): unknown {
  const raw = (body as Record<string, unknown> | undefined)?.[RESPONSE_FIELD];
  if (typeof raw !== 'string' || !raw || raw.length > RESPONSE_MAX) throw new SsoError('invalid_input', 'webauthn response missing or too long', { field: RESPONSE_FIELD, params: { detail: RESPONSE_FIELD } });
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new SsoError('invalid_input', 'webauthn response is not JSON', { field: RESPONSE_FIELD, params: { detail: RESPONSE_FIELD } });
  }
}

function checked<T>(schema: z.ZodType, body: unknown): T {
  const r = schema.safeParse(parseJson(body));
  if (!r.success) throw new SsoError('invalid_input', 'webauthn response malformed', { field: RESPONSE_FIELD, params: { detail: RESPONSE_FIELD } });
  return r.data as T;
}

/** The registration answer in the form (an SsoError invalid_input when it is missing or malformed). */
export function registrationResponseOf(body: unknown): RegistrationResponseJSON {
  return checked<RegistrationResponseJSON>(registrationSchema, body);
}

/** The assertion in the form (an SsoError invalid_input when it is missing or malformed). */
export function authenticationResponseOf(body: unknown): AuthenticationResponseJSON {
  return checked<AuthenticationResponseJSON>(authenticationSchema, body);
}

/** GET WEBAUTHN_BROWSER_PATH: @simplewebauthn/browser's bundle, from the installed package. */
export function browserBundle(): RequestHandler {
  const require = createRequire(import.meta.url);
  // the package's main is script/index.js; its browser bundle sits in dist/bundle beside it
  const file = join(dirname(require.resolve('@simplewebauthn/browser')), '..', 'dist', 'bundle', 'index.umd.min.js');
  return (_req, res, next) => {
    res.sendFile(file, { maxAge: '1h', headers: { 'Content-Type': 'text/javascript; charset=utf-8' } }, (err) => err && next(err));
  };
}
