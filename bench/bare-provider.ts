/**
 * The baseline: bare oidc-provider 9 with its default in-memory adapter on its own Koa server
 * (provider.listen), with the clients given in BARE_CLIENTS (JSON) and the same token formats
 * and features as the IdP (opaque tokens, client credentials, introspection, revocation). One
 * ES256 signing key, as the IdP signs ID tokens with by default. No database, no pages.
 */
import { generateKeyPairSync } from 'node:crypto';
import Provider, { type ClientMetadata } from 'oidc-provider';

const port = Number(process.env.PORT);
const clients = JSON.parse(process.env.BARE_CLIENTS ?? '[]') as ClientMetadata[];
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'bare-es256', alg: 'ES256', use: 'sig' };

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients,
  jwks: { keys: [jwk as never] },
  cookies: { keys: [process.env.COOKIE_KEYS ?? 'bare-provider-cookie-key-0123456789abcdef'] },
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
  },
  // as the IdP: ID tokens ES256 (the one key here)
  clientDefaults: { grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic', id_token_signed_response_alg: 'ES256' },
  pkce: { required: () => false },
  findAccount: async (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
});
const server = provider.listen(port, '127.0.0.1');
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
