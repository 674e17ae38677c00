/** Client table row -> oidc-provider client metadata. Pure. */
import { isPublicType, type ClientRow, type ClientType } from './types.js';
import { policyOf } from './access.js';

export function parseUriList(json: string): string[] {
  const v: unknown = JSON.parse(json);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function clientMetadata(row: ClientRow): Record<string, unknown> {
  const type = row.type as ClientType;
  const base: Record<string, unknown> = {
    client_id: row.id,
    client_name: row.name,
    client_type: type,
    first_party: row.firstParty,
    release_group_dns: row.releaseGroupDns === true,
    // who may use it (access/ checks it at authorization and at every refresh)
    access_policy: policyOf(row),
    require_mfa: row.requireMfa === true,
  };
  if (type === 'service') {
    return {
      ...base,
      ...previousSecret(row),
      client_secret: row.secretHash ?? undefined,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    };
  }
  const meta: Record<string, unknown> = {
    ...base,
    application_type: type === 'native' ? 'native' : 'web',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: parseUriList(row.redirectUris),
    post_logout_redirect_uris: parseUriList(row.postLogoutRedirectUris),
  };
  if (isPublicType(type)) {
    meta.token_endpoint_auth_method = 'none';
  } else {
    meta.client_secret = row.secretHash ?? undefined;
    Object.assign(meta, previousSecret(row));
    meta.token_endpoint_auth_method = 'client_secret_basic';
  }
  if (row.backchannelLogoutUri) {
    meta.backchannel_logout_uri = row.backchannelLogoutUri;
    meta.backchannel_logout_session_required = true;
  }
  return meta;
}

/**
 * The secret before the last rotation, while an overlap was chosen: its keyed hash and the end of
 * the overlap (epoch ms). Whether that end has passed is decided when a secret is checked
 * (oidc/provider.ts), never here: a cached copy of this cannot outlive it.
 */
function previousSecret(row: ClientRow): Record<string, unknown> {
  if (!row.previousSecretHash || !row.previousSecretUntil) return {};
  return { previous_secret_hash: row.previousSecretHash, previous_secret_until: row.previousSecretUntil.getTime() };
}
