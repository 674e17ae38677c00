/**
 * Bearer values at rest: which of the objects oidc-provider stores are keyed by a value that is
 * itself a key to something (a token, a code, a cookie), and what is stored in its place. A copy
 * of the database or of a backup must not be a live key to any application, so:
 *
 *   - the row id of such an object is the SHA-256 of the value (base64url), and lookups hash the
 *     value presented. The values are 256 bits of randomness (oidc-provider's opaque ids), so a
 *     plain digest needs no key: it cannot be reversed or guessed;
 *   - its stored payload holds no bearer value: `jti` (the value itself) is left out and put back
 *     from the value presented when the object is found; an Interaction's copy of the session
 *     cookie (`session.cookie`, which oidc-provider never reads back) and its device code are
 *     left out.
 *
 * The table with the reason for each model is in docs/tokens-at-rest.md. Pure.
 */
import { createHash } from 'node:crypto';

/**
 * Models whose id is a bearer value: presenting it is all it takes to use it (at the token,
 * userinfo, introspection or registration endpoints, or as a cookie).
 */
export const BEARER_MODELS: ReadonlySet<string> = new Set([
  'Session', // the sso_session cookie
  'Interaction', // the sso_interaction and sso_resume cookies
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'ClientCredentials', // an access token
  'DeviceCode', // the device_code the device polls with
  'BackchannelAuthenticationRequest', // the auth_req_id the client polls with
  'InitialAccessToken',
  'RegistrationAccessToken',
  'PreAuthorizedCode',
]);

/**
 * Models whose id is not a bearer value, stored as it is: Grant (a reference inside tokens and
 * sessions, never accepted from a request), ReplayDetection (already a digest of a used proof's
 * jti), PushedAuthorizationRequest (the request_uri a browser carries in its address bar: it
 * only starts a sign-in the presenter must complete). Listed to be explicit; any other model is
 * treated as a bearer one.
 */
export const PLAIN_ID_MODELS: ReadonlySet<string> = new Set(['Grant', 'ReplayDetection', 'PushedAuthorizationRequest']);

export const isBearerModel = (model: string): boolean => !PLAIN_ID_MODELS.has(model);

/** SHA-256 of a value, base64url (43 characters). */
export function digestOf(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** The row id of an object of `model` whose id (as oidc-provider names it) is `id`. */
export function storedId(model: string, id: string): string {
  return isBearerModel(model) ? digestOf(id) : id;
}

/** Where an Interaction's `returnTo` (the resume URL, `<issuer>/auth/<uid>`) had its id. */
export const ID_PLACEHOLDER = '{id}';

/**
 * The payload as it is stored: a shallow copy without the fields that hold a bearer value. `id` is
 * the object's own id: an Interaction's resume URL names it, and keeps a placeholder instead.
 */
export function payloadAtRest(model: string, id: string, payload: Readonly<Record<string, unknown>>): Record<string, unknown> {
  if (!isBearerModel(model)) return { ...payload };
  const { jti: _jti, ...rest } = payload;
  if (model !== 'Interaction') return rest;
  const { deviceCode: _deviceCode, ...interaction }: Record<string, unknown> = rest;
  if (typeof interaction.returnTo === 'string') interaction.returnTo = interaction.returnTo.split(id).join(ID_PLACEHOLDER);
  const session = interaction.session;
  if (session && typeof session === 'object' && 'cookie' in session) {
    const { cookie: _cookie, ...kept } = session as Record<string, unknown>;
    interaction.session = kept;
  }
  return interaction;
}

/**
 * A stored payload, parsed, with `jti` (and an Interaction's resume URL) put back from the id it
 * was found by. Found otherwise (a Session by uid, a DeviceCode by user code), a bearer model's
 * payload has no jti: nobody presented it, and the store cannot tell it.
 */
export function restoredPayload(model: string, json: string, presentedId: string | undefined): Record<string, unknown> {
  const payload = JSON.parse(json) as Record<string, unknown>;
  if (presentedId === undefined || !isBearerModel(model)) return payload;
  payload.jti = presentedId;
  if (model === 'Interaction' && typeof payload.returnTo === 'string') payload.returnTo = payload.returnTo.split(ID_PLACEHOLDER).join(presentedId);
  return payload;
}
