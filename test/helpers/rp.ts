/** Relying-party helpers: openid-client against the test server, and a logout-token receiver. */
import { createServer, type Server } from 'node:http';
import * as oidc from 'openid-client';
import { Browser, formAction, inputValue } from './browser.js';

export async function rpConfig(issuer: string, clientId: string, clientSecret?: string | null): Promise<oidc.Configuration> {
  return oidc.discovery(
    new URL(issuer),
    clientId,
    clientSecret ? { client_secret: clientSecret } : { token_endpoint_auth_method: 'none' },
    clientSecret ? oidc.ClientSecretBasic(clientSecret) : oidc.None(),
    { execute: [oidc.allowInsecureRequests] },
  );
}

export interface AuthStart {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

export async function startAuth(config: oidc.Configuration, redirectUri: string, scope = 'openid profile email', extra: Record<string, string> = {}): Promise<AuthStart> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  return { url, verifier, state, nonce };
}

/** Posts the login form on the page, as a person would. */
export async function submitLogin(browser: Browser, html: string, login: string, password: string) {
  const action = formAction(html, 'password');
  const csrf = inputValue(html, 'csrf');
  if (!action || !csrf) throw new Error('no login form on the page');
  return browser.go(action, { form: { csrf, login, password } });
}

/** Approves the consent page. */
export async function submitConsent(browser: Browser, html: string) {
  const forms = html.match(/<form[\s\S]*?<\/form>/gi) ?? [];
  const allow = forms.find((f) => /\/confirm"/.test(f));
  if (!allow) throw new Error('no consent form on the page');
  const action = /action="([^"]*)"/.exec(allow)![1]!;
  return browser.go(action, { form: { csrf: inputValue(allow, 'csrf')! } });
}

/** Runs a whole login (and consent, if asked) and exchanges the code. */
export async function loginAndExchange(config: oidc.Configuration, browser: Browser, redirectUri: string, login: string, password: string, scope?: string) {
  // OpenID Connect: offline_access (a refresh token) is honoured only with prompt=consent.
  const start = await startAuth(config, redirectUri, scope, scope?.includes('offline_access') ? { prompt: 'consent' } : {});
  let page = await browser.go(start.url.toString());
  if (!page.leftTo && /name="password"/.test(page.html)) page = await submitLogin(browser, page.html, login, password);
  if (!page.leftTo && /\/confirm"/.test(page.html)) page = await submitConsent(browser, page.html);
  if (!page.leftTo) throw new Error(`login did not return to the application (status ${page.status} at ${page.url})`);
  const tokens = await oidc.authorizationCodeGrant(config, new URL(page.leftTo), { pkceCodeVerifier: start.verifier, expectedState: start.state, expectedNonce: start.nonce });
  return { tokens, start, callback: page.leftTo };
}

/** An HTTP endpoint that records back-channel logout POSTs. */
/** A back-channel logout endpoint that keeps the tokens it receives; `failFirst` posts are answered 503 (and not kept). */
export async function logoutReceiver(opts: { failFirst?: number } = {}): Promise<{ url: string; tokens: string[]; refused: number; waitFor(n: number, ms?: number): Promise<string[]>; close(): Promise<void> }> {
  const tokens: string[] = [];
  const state = { refused: 0 };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (state.refused < (opts.failFirst ?? 0)) {
        state.refused++;
        res.writeHead(503).end();
        return;
      }
      const t = new URLSearchParams(body).get('logout_token');
      if (t) tokens.push(t);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/backchannel-logout`,
    tokens,
    get refused() {
      return state.refused;
    },
    async waitFor(n, ms = 5000) {
      const until = Date.now() + ms;
      while (tokens.length < n && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
      return tokens;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
