/**
 * The console as a relying party of this IdP (openid-client): discovery, the token request and
 * the JWKS go to this instance's own address (behind a proxy the public issuer URL may not be
 * reachable from inside), the browser to the public issuer's /auth.
 *
 * The instance answers only requests that name the issuer's host (app/http.ts, 421 otherwise).
 * These calls name it too: they carry `Host: <issuer's host>` while connecting to the listening
 * address. No exemption for loopback callers was made instead: a proxy on the same machine
 * connects from loopback on behalf of anyone, so such an exemption would serve an outsider's
 * forged Host. fetch() may not set Host, hence node:http.
 */
import { request } from 'node:http';
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

/**
 * One request to `url`'s path at `self` (http://address:port), naming `host`: a fetch() that
 * may set Host. Bodies here are small (a token request, discovery, the JWKS).
 */
export async function fetchAt(self: URL, host: string, url: string, options: oidc.CustomFetchOptions): Promise<Response> {
  const target = new URL(url);
  const body = options.body == null ? undefined : Buffer.from(await new Response(options.body as ConstructorParameters<typeof Response>[0]).arrayBuffer());
  const headers: Record<string, string> = { ...options.headers, host };
  if (body) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = request(
      { protocol: 'http:', hostname: self.hostname.replace(/^\[|\]$/g, ''), port: self.port, method: options.method, path: target.pathname + target.search, headers, signal: options.signal },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const out = new Headers();
          for (const [k, v] of Object.entries(res.headers)) for (const one of [v ?? []].flat()) out.append(k, one);
          const status = res.statusCode ?? 502;
          resolve(new Response(status === 204 || status === 304 ? null : Buffer.concat(chunks), { status, headers: out }));
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** `selfUrl`: this instance's own listening address (http://127.0.0.1:PORT), known once it listens. */
export function consoleRelyingParty(config: Config, selfUrl: () => string): ConsoleRelyingParty {
  const secret = consoleClientSecret(config.keyEncryptionSecret);
  const secure = config.issuer.startsWith('https:');
  const issuerHost = new URL(config.issuer).host;
  let discovered: Promise<oidc.Configuration> | undefined;

  /** Every request of the console's client goes to this instance's own address, naming the issuer's host. */
  const toSelf: oidc.CustomFetch = (url, options) => fetchAt(new URL(selfUrl()), issuerHost, url, options);

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
