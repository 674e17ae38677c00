/**
 * Config + services -> oidc-provider configuration. No I/O of its own: everything it touches
 * comes in through `deps`.
 */
import { interactionPolicy, type Configuration, type KoaContextWithOIDC, type JWK } from 'oidc-provider';
import type { Config } from '../config/load.js';
import type { AdapterFactory } from './adapter/payload-adapter.js';
import type { AccountService } from '../accounts/service.js';
import { ROUTES } from './routes.js';
import { admittedAtRefresh, withAccessPrompt, type AccessCheck } from './access-policy.js';
import { ACR_VALUES, meetsAcr } from '../domain/authn-level.js';
import { ACR_UNMET, wantedLevel } from './acr.js';

export const SCOPES = ['openid', 'offline_access', 'profile', 'email', 'phone', 'organization', 'groups'] as const;

export const CLAIMS: Record<string, string[]> = {
  // acr and amr (RFC 8176) come from the session, not the account: in every ID token, never at userinfo
  openid: ['sub', 'acr', 'amr'],
  profile: ['name', 'family_name', 'given_name', 'middle_name', 'preferred_username', 'updated_at', 'locale'],
  email: ['email', 'email_verified'],
  phone: ['phone_number', 'phone_number_verified'],
  organization: ['organization', 'department', 'title', 'employee_number'],
  // groups_dn is in the account's claims only for clients registered with release_group_dns
  groups: ['groups', 'groups_dn'],
};

/**
 * oidc-provider's base policy (login, consent) plus OpenID Connect's prompt=select_account:
 * the page offers "continue as X" or "use another account".
 */
export function interactionPolicyWithSelectAccount() {
  const { Prompt, Check, base } = interactionPolicy;
  const policy = base();
  policy.add(
    new Prompt(
      { name: 'select_account', requestable: true },
      new Check('select_account_prompt', 'account selection was requested', (ctx) =>
        ctx.oidc.prompts.has('select_account') && !ctx.oidc.result?.select_account ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT),
    ),
    0,
  );
  // Step-up: acr_values, an essential acr claim or the client's require_mfa above the session's
  // level asks the login prompt again (a live session goes straight to the second factor).
  // oidc-provider's essential_acr(s) checks compare acr values for equality: replaced by this one.
  const login = policy.get('login')!;
  login.checks.remove('essential_acrs');
  login.checks.remove('essential_acr');
  login.checks.add(new Check(ACR_UNMET, 'the requested authentication level is not met', (ctx) => {
    const { oidc } = ctx;
    const wanted = wantedLevel({ acrValues: oidc.params?.acr_values, claims: oidc.claims, clientRequiresMfa: oidc.client?.['require_mfa'] });
    if (!wanted || !oidc.session?.accountId) return Check.NO_NEED_TO_PROMPT;
    return wanted !== 'unknown' && meetsAcr(oidc.acr, wanted) ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
  }));
  return policy;
}

export interface ProviderDeps {
  config: Config;
  adapter: AdapterFactory;
  accounts: AccountService;
  jwks: JWK[];
  /** Per-application access policy (src/access/): asked at every authorization and refresh; absent: everyone is admitted. */
  access?: AccessCheck | undefined;
  /** Remembered consent: the newest live grant of this account for this client, if any. */
  findRememberedGrantId(accountId: string, clientId: string): Promise<string | undefined>;
  pages: {
    logout(ctx: KoaContextWithOIDC, form: string): Promise<void>;
    loggedOut(ctx: KoaContextWithOIDC): Promise<void>;
    error(ctx: KoaContextWithOIDC, out: Record<string, string>, error: Error): Promise<void>;
  };
}

type Alg = NonNullable<Configuration['enabledJWA']>['idTokenSigningAlgValues'];

/** The session, interaction and resume cookies: signed with COOKIE_KEYS, Secure behind https. */
function cookies(config: Config): Configuration['cookies'] {
  const secure = config.issuer.startsWith('https:');
  return {
    keys: config.cookieKeys,
    names: { session: 'sso_session', interaction: 'sso_interaction', resume: 'sso_resume' },
    long: { httpOnly: true, sameSite: 'lax', secure },
    short: { httpOnly: true, sameSite: 'lax', secure },
  };
}

/** How long each thing lives (the TTL settings). */
function lifetimes(config: Config): Configuration['ttl'] {
  return {
    AccessToken: config.ttl.accessToken,
    AuthorizationCode: config.ttl.authorizationCode,
    ClientCredentials: config.ttl.clientCredentials,
    IdToken: config.ttl.idToken,
    RefreshToken: config.ttl.refreshToken,
    Interaction: config.ttl.interaction,
    Session: config.ttl.session,
    Grant: config.ttl.grant,
  };
}

/** The endpoints and their policies: who may introspect and revoke which token; logout pages. */
function features(deps: ProviderDeps): Configuration['features'] {
  return {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: {
      enabled: true,
      // A client may introspect its own tokens; a confidential service client (a resource
      // server) may introspect any, of a client that is still active: a token issued to a
      // client just disabled (by another instance still holding it in its client cache) is
      // inactive once that cache entry expires, wherever it is presented.
      allowedPolicy: async (ctx, client, token) => {
        if (token.clientId === client.clientId) return true;
        if (client.clientAuthMethod === 'none' || client['client_type'] !== 'service') return false;
        return (await ctx.oidc.provider.Client.find(String(token.clientId))) !== undefined;
      },
    },
    revocation: {
      enabled: true,
      // A client revokes only its own tokens.
      allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
    },
    userinfo: { enabled: true },
    backchannelLogout: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: (ctx, form) => deps.pages.logout(ctx, form),
      postLogoutSuccessSource: (ctx) => deps.pages.loggedOut(ctx),
    },
  };
}

/** Accounts and consent as the provider asks for them: only active accounts; remembered grants. */
function accountsAndGrants(deps: ProviderDeps): Pick<Configuration, 'findAccount' | 'loadExistingGrant'> {
  const { accounts } = deps;
  return {
    async findAccount(ctx, sub, token) {
      const account = await accounts.findActive(sub);
      if (!account) return undefined;
      // a refresh: still admitted by the application's access policy, from current data (else invalid_grant)
      if (!(await admittedAtRefresh(ctx, account.id, token, deps.access))) return undefined;
      // the client the claims are for (the token's at userinfo): only one registered for them gets the groups' DNs
      const groupDns = ctx.oidc?.client?.['release_group_dns'] === true;
      return { accountId: account.id, claims: () => accounts.claims(account, { groupDns }) };
    },
    async loadExistingGrant(ctx) {
      const { oidc } = ctx;
      const clientId = oidc.client!.clientId;
      const grantId = oidc.result?.consent?.grantId ?? oidc.session!.grantIdFor(clientId)
        ?? (oidc.session!.accountId ? await deps.findRememberedGrantId(oidc.session!.accountId, clientId) : undefined);
      if (!grantId) return undefined;
      const grant = await oidc.provider.Grant.find(grantId);
      if (!grant || grant.accountId !== oidc.session!.accountId || grant.clientId !== clientId) return undefined;
      return grant;
    },
  };
}

export function providerConfiguration(deps: ProviderDeps): Configuration {
  const { config } = deps;
  const algs = config.signingAlgs as Alg;
  return {
    adapter: deps.adapter as unknown as Configuration['adapter'],
    jwks: { keys: deps.jwks },
    cookies: cookies(config),
    routes: ROUTES,
    scopes: [...SCOPES],
    claims: CLAIMS,
    responseTypes: ['code'],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
    enabledJWA: { idTokenSigningAlgValues: algs, userinfoSigningAlgValues: algs, introspectionSigningAlgValues: algs, authorizationSigningAlgValues: algs },
    extraClientMetadata: { properties: ['client_type', 'first_party', 'release_group_dns', 'previous_secret_hash', 'previous_secret_until', 'access_policy', 'require_mfa'] },
    // ID tokens are signed with the first configured algorithm (ES256 by default).
    clientDefaults: { grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic', id_token_signed_response_alg: config.signingAlgs[0] as 'ES256' },
    pkce: {
      // S256 is the only method oidc-provider 9 accepts; public clients (no secret) must use it.
      required: (_ctx, client) => client.clientAuthMethod === 'none',
    },
    rotateRefreshToken: true,
    // Logging out ends the session and its tokens, not the person's consent: the grant is
    // remembered for GRANT_TTL (as in Keycloak; oidc-provider's default deletes it at logout).
    // Revoking an access token alone leaves the grant too, as by default. "My account" and the
    // console withdraw consent explicitly.
    revokeGrantPolicy: (ctx) => !ctx.oidc.route.startsWith('end_session') && !(ctx.oidc.route === 'revocation' && Boolean(ctx.oidc.entities.AccessToken)),
    ttl: lifetimes(config),
    features: features(deps),
    interactions: {
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
      policy: withAccessPrompt(interactionPolicyWithSelectAccount(), deps.access),
    },
    renderError: (ctx, out, error) => deps.pages.error(ctx, out as unknown as Record<string, string>, error),
    clientBasedCORS: (_ctx, origin, client) => {
      // Browser apps may call the token, userinfo and revocation endpoints from the origins of
      // their registered redirect URIs, and from nowhere else.
      if (client['client_type'] !== 'spa') return false;
      return client.redirectUris?.some((u) => new URL(u).origin === origin) ?? false;
    },
    ...accountsAndGrants(deps),
    conformIdTokenClaims: true,
    // the levels a client may ask for with acr_values (listed in discovery), weakest first
    acrValues: [...ACR_VALUES],
  };
}
