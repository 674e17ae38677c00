/**
 * The per-application access policy where oidc-provider decides (issue 17, item 7): a prompt of
 * the interaction policy at every authorization request (with or without a session), and the
 * account lookup at every refresh-token use. The decision and its data: src/access/. Pure
 * wiring: what it asks comes in as `AccessCheck`.
 */
import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import type { AccessPolicy } from '../domain/access-policy.js';

/** The prompt a refused person is sent to (the interaction page "no access to {app}"). */
export const ACCESS_PROMPT = 'access';

/** What the provider asks: is this account admitted to this application now? */
export interface AccessCheck {
  check(q: { accountId: string; clientId: string; policy: AccessPolicy; where: 'authorization' | 'refresh'; ip?: string | undefined }): Promise<boolean>;
}

/** The client's policy as its metadata carries it (clients/metadata.ts); none: everyone. */
export function clientPolicy(client: unknown): AccessPolicy | undefined {
  const p = (client as Record<string, unknown> | undefined)?.['access_policy'] as AccessPolicy | undefined;
  if (!p || !Array.isArray(p.groups) || !Array.isArray(p.departments) || !Array.isArray(p.organizations)) return undefined;
  return p.groups.length || p.departments.length || p.organizations.length ? p : undefined;
}

type Policy = ReturnType<typeof interactionPolicy.base>;

/**
 * Adds the access prompt right after login (so it is asked once the person is known, before
 * consent). A person the application does not admit gets the "no access" page; with prompt=none
 * the application gets access_denied at once.
 */
export function withAccessPrompt(policy: Policy, access: AccessCheck | undefined): Policy {
  if (!access) return policy;
  const { Prompt, Check } = interactionPolicy;
  const at = policy.findIndex((p) => p.name === 'login') + 1;
  policy.add(
    new Prompt(
      { name: ACCESS_PROMPT, requestable: false },
      new Check('access_policy', 'the application does not admit this account', 'access_denied', async (ctx) => {
        const accountId = ctx.oidc.session?.accountId;
        const client = ctx.oidc.client;
        const policy = clientPolicy(client);
        if (!accountId || !client || !policy) return Check.NO_NEED_TO_PROMPT;
        const ok = await access.check({ accountId, clientId: client.clientId, policy, where: 'authorization', ip: ctx.ip });
        return ok ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
      }),
    ),
    at > 0 ? at : policy.length,
  );
  return policy;
}

/**
 * At the token endpoint with a refresh token: is the token's account still admitted to the
 * client? false makes findAccount answer nothing, which oidc-provider answers with invalid_grant
 * (grants/refresh_token.js: validateAccount). Elsewhere: true.
 */
export async function admittedAtRefresh(ctx: KoaContextWithOIDC | undefined, accountId: string, token: unknown, access: AccessCheck | undefined): Promise<boolean> {
  if (!access || !ctx?.oidc || ctx.oidc.route !== 'token' || (token as { kind?: string } | undefined)?.kind !== 'RefreshToken') return true;
  const client = ctx.oidc.client;
  const policy = clientPolicy(client);
  if (!client || !policy) return true;
  return access.check({ accountId, clientId: client.clientId, policy, where: 'refresh', ip: ctx.ip });
}
