/**
 * The console as a relying party of this IdP (openid-client): discovery and token requests go to
 * this instance's own address (behind a proxy the public issuer URL may not be reachable from
 * inside), the browser to the public issuer's /auth.
 */
import * as oidc from 'openid-client';
import type { Config } from '../config/load.js';
import { ROUTES } from '../oidc/routes.js';
import { CONSOLE_CALLBACK_PATH, CONSOLE_CLIENT_ID, consoleClientSecret } from './internal-client.js';

export interface ConsoleRelyingParty {
  /** Where the IdP sends the browser back to (/console/callback on the public issuer). */
  redirectUri: string;
  /** The discovered configuration (discovered once; again after a failure). */
  configuration(): Promise<oidc.Configuration>;
  /** The browser goes to the public issuer's /auth, whatever address the discovery was read at. */
  publicAuthorizationUrl(url: URL): URL;
}

/** `selfUrl`: this instance's own listening address (http://127.0.0.1:PORT), known once it listens. */
export function consoleRelyingParty(config: Config, selfUrl: () => string): ConsoleRelyingParty {
  const secret = consoleClientSecret(config.keyEncryptionSecret);
  const secure = config.issuer.startsWith('https:');
  let discovered: Promise<oidc.Configuration> | undefined;

  /**
   * Every request of the console's client goes to this instance's own address: the discovery
   * document's endpoints follow the address a request came in on, so they may name the public
   * issuer or this address, over https (the proxy's scheme) or http.
   */
  const toSelf: oidc.CustomFetch = (url, options) => {
    const target = new URL(url);
    const self = new URL(selfUrl());
    target.protocol = self.protocol;
    target.host = self.host;
    const headers = { ...options.headers, ...(secure ? { 'x-forwarded-proto': 'https' } : {}) };
    return fetch(target, { ...options, headers } as RequestInit);
  };

  function publicAuthorizationUrl(url: URL): URL {
    const out = new URL(`${config.issuer}${ROUTES.authorization}`);
    out.search = url.search;
    return out;
  }

  function configuration(): Promise<oidc.Configuration> {
    discovered ??= oidc
      .discovery(new URL(config.issuer), CONSOLE_CLIENT_ID, { client_secret: secret }, oidc.ClientSecretBasic(secret), {
        [oidc.customFetch]: toSelf,
        ...(secure ? {} : { execute: [oidc.allowInsecureRequests] }),
        timeout: 10,
      })
      .then((c) => {
        c[oidc.customFetch] = toSelf;
        return c;
      })
      .catch((err: unknown) => {
        discovered = undefined; // try again on the next sign-in
        throw err;
      });
    return discovered;
  }

  return { redirectUri: `${config.issuer}${CONSOLE_CALLBACK_PATH}`, configuration, publicAuthorizationUrl };
}
