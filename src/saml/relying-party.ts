/**
 * The SAML side as a relying party of this IdP: each service provider's login runs as an
 * OpenID Connect authorization of its linked client (`saml-<id>`), so the login page, the
 * session and single sign-on, the throttle, the second factor, the access policy and consent
 * are exactly OpenID Connect's. Discovery once, then one openid-client Configuration per client;
 * every back-channel request goes to this instance's own address naming the issuer's host (as
 * the console's, console/relying-party.ts).
 */
import * as oidc from 'openid-client';
import type { Config } from '../config/load.js';
import { ROUTES } from '../oidc/routes.js';
import { fetchAt } from '../console/relying-party.js';
import { SAML_PATHS } from './metadata.js';
import { samlClientSecret } from './service-providers.js';

export interface SamlRelyingParty {
  redirectUri: string;
  configuration(clientId: string): Promise<oidc.Configuration>;
  /** The browser goes to the public issuer's /auth. */
  publicAuthorizationUrl(url: URL): URL;
}

export function samlRelyingParty(config: Config, selfUrl: () => string): SamlRelyingParty {
  const secure = config.issuer.startsWith('https:');
  const issuerHost = new URL(config.issuer).host;
  const toSelf: oidc.CustomFetch = (url, options) => fetchAt(new URL(selfUrl()), issuerHost, url, options);
  let server: Promise<oidc.ServerMetadata> | undefined;
  const metadata = () => {
    server ??= oidc
      .discovery(new URL(config.issuer), 'saml-discovery', undefined, oidc.None(), { [oidc.customFetch]: toSelf, ...(secure ? {} : { execute: [oidc.allowInsecureRequests] }), timeout: 10 })
      .then((c) => c.serverMetadata())
      .catch((err: unknown) => {
        server = undefined;
        throw err;
      });
    return server;
  };
  return {
    redirectUri: `${config.issuer}${SAML_PATHS.callback}`,
    async configuration(clientId) {
      const secret = samlClientSecret(config.keyEncryptionSecret, clientId);
      const c = new oidc.Configuration(await metadata(), clientId, { client_secret: secret }, oidc.ClientSecretBasic(secret));
      c[oidc.customFetch] = toSelf;
      if (!secure) oidc.allowInsecureRequests(c);
      return c;
    },
    publicAuthorizationUrl(url) {
      const out = new URL(`${config.issuer}${ROUTES.authorization}`);
      out.search = url.search;
      return out;
    },
  };
}
