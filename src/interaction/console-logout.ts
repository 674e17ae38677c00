/**
 * Signing out of the console asks once: its sign-out button (a CSRF-checked POST) is the
 * question, and it sends the browser to the end-session endpoint with the ID token of its sign-in
 * as `id_token_hint`. oidc-provider validates the hint (signature, issuer, audience) before its
 * logout page; when the hint is the console's and names the person of this IdP session, the page
 * goes on by itself (RP-Initiated Logout 1.0 asks the OP to ask only without such a hint). Any
 * other application's sign-out still asks. Pure.
 */
import type { KoaContextWithOIDC } from 'oidc-provider';
import { CONSOLE_CLIENT_ID } from '../console/internal-client.js';

export function askedAlready(ctx: KoaContextWithOIDC): boolean {
  const hint = ctx.oidc.entities.IdTokenHint as { payload?: { sub?: unknown; aud?: unknown } } | undefined;
  const sub = hint?.payload?.sub;
  return ctx.oidc.client?.clientId === CONSOLE_CLIENT_ID && typeof sub === 'string' && sub === ctx.oidc.session?.accountId;
}
