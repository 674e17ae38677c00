/**
 * The level an authorization request asks for, from its three sources: `acr_values` (the
 * weakest level of ours it names), an essential `acr` claim in the `claims` parameter, and the
 * client's require_mfa setting (`sso client add|update --require-mfa`). The levels and their
 * order are domain/authn-level.ts's. Pure.
 */
import { ACR_MFA, requestedAcr, type Acr } from '../domain/authn-level.js';

/** The login prompt's reason when the session's level is below the one asked (step-up: interaction/second-factor.ts). */
export const ACR_UNMET = 'acr_unmet';

/** What the request asks for: a level, 'unknown' (an essential acr of none we know: cannot be met), or nothing. */
export type WantedLevel = Acr | 'unknown' | undefined;

type AcrClaim = { essential?: unknown; value?: unknown; values?: unknown } | undefined;

/** The essential acr of an id_token claims request (parsed), as a list of values, or undefined when not essential. */
function essentialValues(claim: AcrClaim): string[] | undefined {
  if (!claim || claim.essential !== true) return undefined;
  if (typeof claim.value === 'string') return [claim.value];
  if (Array.isArray(claim.values)) return claim.values.filter((v): v is string => typeof v === 'string');
  return undefined;
}

/** The claims parameter's id_token.acr: from the parsed object, or the JSON text of the interaction's params. */
function acrClaimOf(claims: unknown): AcrClaim {
  let c = claims;
  if (typeof c === 'string') {
    try {
      c = JSON.parse(c);
    } catch {
      return undefined;
    }
  }
  const idToken = (c as { id_token?: { acr?: AcrClaim } } | null | undefined)?.id_token;
  return idToken?.acr && typeof idToken.acr === 'object' ? idToken.acr : undefined;
}

const stronger = (a: Acr | undefined, b: Acr | undefined): Acr | undefined => (a === ACR_MFA || b === ACR_MFA ? ACR_MFA : (a ?? b));

export function wantedLevel(input: { acrValues?: unknown; claims?: unknown; clientRequiresMfa?: unknown }): WantedLevel {
  const fromValues = typeof input.acrValues === 'string' && input.acrValues ? requestedAcr(input.acrValues.split(' ')) : undefined;
  const essential = essentialValues(acrClaimOf(input.claims));
  let fromClaim: Acr | undefined;
  if (essential) {
    fromClaim = requestedAcr(essential);
    if (!fromClaim) return 'unknown';
  }
  return stronger(stronger(fromValues, fromClaim), input.clientRequiresMfa === true ? ACR_MFA : undefined);
}
