/**
 * The baseline: bare oidc-provider 9 with its default in-memory adapter on its own Koa server
 * (provider.listen), with the clients given in BARE_CLIENTS (JSON) and the same token formats
 * and features as the IdP (opaque tokens, client credentials, introspection, revocation). One
 * ES256 signing key, as the IdP signs ID tokens with by default. No database.
 *
 * With BARE_LDAP (JSON: url, bindDn, bindPassword, baseDn) it also has the least login a real
 * deployment could have, for the login baseline: GET /interaction/:uid shows a bare form; its
 * POST searches the person as a service account (a pool of 4 bound connections, as the IdP's
 * LDAP_POOL_SIZE) and binds as them on a fresh connection; the consent that follows is granted
 * at once (a first-party application). No CSRF, no throttle, no audit, no account table: what
 * oidc-provider and the directory cost, and nothing else.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import Provider, { type ClientMetadata } from 'oidc-provider';
import { Client } from 'ldapts';

const port = Number(process.env.PORT);
const clients = JSON.parse(process.env.BARE_CLIENTS ?? '[]') as ClientMetadata[];
const ldap = process.env.BARE_LDAP ? (JSON.parse(process.env.BARE_LDAP) as { url: string; bindDn: string; bindPassword: string; baseDn: string }) : undefined;
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'bare-es256', alg: 'ES256', use: 'sig' };

/** Accounts seen at login: id -> claims (the in-memory stand-in for an account table). */
const accounts = new Map<string, Record<string, unknown>>();

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients,
  jwks: { keys: [jwk as never] },
  cookies: { keys: [process.env.COOKIE_KEYS ?? 'bare-provider-cookie-key-0123456789abcdef'] },
  features: {
    devInteractions: { enabled: !ldap },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
  },
  ...(ldap ? { interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` } } : {}),
  // as the IdP: ID tokens ES256 (the one key here)
  clientDefaults: { grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic', id_token_signed_response_alg: 'ES256' },
  pkce: { required: () => false },
  findAccount: async (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub, ...(accounts.get(sub) ?? {}) }) }),
});

if (ldap) {
  const pool = await Promise.all(Array.from({ length: 4 }, async () => {
    const c = new Client({ url: ldap.url, timeout: 5000, connectTimeout: 5000 });
    await c.bind(ldap.bindDn, ldap.bindPassword);
    return c;
  }));
  let turn = 0;
  const escape = (v: string) => v.replace(/[\\*()\0]/g, (ch) => `\\${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
  const readBody = async (req: IncomingMessage) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    return new URLSearchParams(text);
  };

  provider.use(async (ctx, next) => {
    const m = /^\/interaction\/([^/]+)(\/login)?$/.exec(ctx.path);
    if (!m) return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (ctx.method === 'GET' && details.prompt.name === 'login') {
      ctx.type = 'html';
      ctx.body = `<!doctype html><title>Sign in</title><form method="post" action="/interaction/${details.uid}/login"><input type="hidden" name="csrf" value="-"><input name="login"><input name="password" type="password"><button>Sign in</button></form>`;
      return;
    }
    if (ctx.method === 'GET' && details.prompt.name === 'consent') {
      const grant = new provider.Grant({ accountId: details.session!.accountId, clientId: String(details.params.client_id) });
      const missing = details.prompt.details as { missingOIDCScope?: string[] };
      if (missing.missingOIDCScope?.length) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      ctx.respond = false; // interactionFinished answers on the raw response
      await provider.interactionFinished(ctx.req, ctx.res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
      return;
    }
    if (ctx.method === 'POST' && m[2]) {
      const form = await readBody(ctx.req);
      const login = form.get('login') ?? '';
      const password = form.get('password') ?? '';
      const service = pool[turn++ % pool.length]!;
      const { searchEntries } = await service.search(ldap.baseDn, {
        scope: 'sub', filter: `(&(objectClass=zimbraAccount)(|(uid=${escape(login)})(mail=${escape(login)})))`, sizeLimit: 2,
        attributes: ['zimbraId', 'uid', 'mail', 'cn', 'displayName', 'givenName', 'sn', 'zimbraAccountStatus', 'memberOf', 'ou', 'title'],
      });
      const entry = searchEntries.length === 1 ? searchEntries[0]! : undefined;
      let ok = false;
      if (entry && password) {
        const user = new Client({ url: ldap.url, timeout: 5000, connectTimeout: 5000 });
        try {
          await user.bind(entry.dn, password);
          ok = true;
        } catch {
          ok = false;
        } finally {
          await user.unbind().catch(() => undefined);
        }
      }
      if (!ok || !entry) {
        ctx.status = 401;
        ctx.body = 'wrong login or password';
        return;
      }
      const id = String(entry.zimbraId);
      accounts.set(id, { name: String(entry.displayName ?? entry.cn ?? ''), email: String(entry.mail ?? ''), preferred_username: String(entry.uid ?? '') });
      ctx.respond = false;
      await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: id } }, { mergeWithLastSubmission: false });
      return;
    }
    ctx.status = 400;
    ctx.body = 'unexpected interaction request';
  });
}

const server = provider.listen(port, '127.0.0.1');
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
