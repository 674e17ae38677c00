/**
 * Signing in to the admin console and "my account": the IdP is its own relying party. A page
 * that needs a person sends the browser through the normal /auth (authorization code + PKCE +
 * state + nonce) as the internal client `sso-console`; the callback exchanges the code with
 * openid-client and keeps a signed HttpOnly cookie holding the account id, the `sid` of its IdP
 * session (the ID token's, or, as oidc-provider gives sid only to back-channel logout clients,
 * the one of the session its access token was issued in), an expiry and the ID token (claims:
 * `sub` and protocol fields only, scope openid), sent back as `id_token_hint` at sign-out.
 *
 * The code exchange and the JWKS fetch go to this instance's own listening address (behind a
 * proxy the public issuer URL may not be reachable from inside); the issuer and the ID token are
 * validated as usual.
 *
 * On every request the console session is checked again: the account is still active and the
 * IdP session it came from still exists. So an IdP logout, a back-channel logout, an account
 * disabled (here or in the directory) or a session ended from the console ends it too.
 */
import express, { type Request, type Response } from 'express';
import { parse as parseCookie } from 'cookie';
import * as oidc from 'openid-client';
import type { Config } from '../config/load.js';
import type { SessionRepository } from '../db/repos/sessions.js';
import type { Logger } from '../util/logger.js';
import type { AccountService } from '../accounts/service.js';
import type { AccountRecord } from '../accounts/claims.js';
import { SsoError } from '../domain/errors.js';
import { csrfToken, newCsrfNonce, presentedCsrf, verifyCsrf } from '../web/csrf.js';
import { rememberedLocale } from '../web/locale.js';
import { clientFields } from '../util/log-fields.js';
import { seal, unseal } from './seal.js';
import { CONSOLE_CALLBACK_PATH, CONSOLE_CLIENT_ID } from './internal-client.js';
import { consoleRelyingParty, type ConsoleRelyingParty } from './relying-party.js';

export const SESSION_COOKIE = 'sso_console';
export const LOGIN_COOKIE = 'sso_console_login';
const SESSION_PURPOSE = 'session';
const LOGIN_PURPOSE = 'login';

/** The console session: who, from which IdP session (the ID token's sid), until when, and the CSRF nonce. */
export interface ConsoleSession {
  accountId: string;
  sid: string;
  exp: number;
  nonce: string;
  /** The ID token of the sign-in, sent back as id_token_hint when signing out (so the IdP does not ask again). */
  idToken?: string | undefined;
  /** The level the sign-in reached (the ID token's acr): the console asks for urn:sso:acr:mfa. */
  acr?: string | undefined;
}

export interface SignedIn {
  account: AccountRecord & { admin?: boolean };
  session: ConsoleSession;
  /** The CSRF token every form of this session carries. */
  csrf: string;
}

/**
 * Where a sign-in may return: the app launcher (/), a path of the console or of "my account" on
 * this site, nothing else (never an open redirect). Pure.
 */
export function safeReturnPath(value: unknown): string {
  if (value === '/') return value;
  if (typeof value !== 'string' || value.length > 500) return '/account';
  if (!/^\/(admin|account)(?:[/?]|$)/.test(value)) return '/account';
  if (/[\\\s\u0000-\u001f\u007f]|\/\/|%2f|%5c/i.test(value)) return '/account';
  return value;
}

export interface ConsoleAuthDeps {
  config: Config;
  /** The IdP sessions (db/repos/sessions.ts): is a console session's IdP session still there, and its sid. */
  sessions: Pick<SessionRepository, 'isAlive' | 'sidOfAccessToken'>;
  accounts: Pick<AccountService, 'findActive'>;
  logger: Logger;
  /** This instance's own listening address (http://127.0.0.1:PORT), known once it listens. */
  selfUrl(): string;
}

export interface ConsoleAuth {
  /** GET /console/callback. */
  router(): express.Router;
  /** The signed-in person, or null (a stale cookie is cleared). */
  current(req: Request, res: Response): Promise<SignedIn | null>;
  /** Sends the browser to /auth, to come back to `returnTo`; `opts.acr`: the level to ask for (acr_values: a step-up). */
  signIn(req: Request, res: Response, returnTo: string, opts?: { acr?: string | undefined }): Promise<void>;
  /** True when the form's CSRF token belongs to this console session. */
  checkCsrf(req: Request, signedIn: SignedIn): boolean;
  /** Ends the console session and sends the browser to the IdP's logout (RP-initiated logout). */
  signOut(req: Request, res: Response, signedIn: SignedIn): void;
  /** Ends the console session only (the IdP session is gone already). */
  forget(res: Response): void;
}

const now = () => Math.floor(Date.now() / 1000);
const cookies = (req: Request) => parseCookie(req.headers.cookie ?? '');

function renderFailure(_res: Response, status: number): never {
  throw new SsoError('unauthenticated', 'console sign-in refused', { status, messageKey: 'console.error.signInFailed' });
}

type CookieBase = { httpOnly: true; sameSite: 'lax'; secure: boolean };

/** GET /console/callback: the code exchanged (PKCE, state, nonce checked), the console session set. */
function signInCallback(c: { config: Config; logger: Logger; cookieBase: CookieBase; rp: ConsoleRelyingParty; sidOfToken(accessToken: string): Promise<string | null> }) {
  const { config, logger, cookieBase, sidOfToken } = c;
  const { redirectUri, configuration } = c.rp;
  const keys = config.cookieKeys;
  return async function callback(req: Request, res: Response) {
    res.set('Cache-Control', 'no-store');
    const login = unseal(keys, LOGIN_PURPOSE, cookies(req)[LOGIN_COOKIE], now());
    res.clearCookie(LOGIN_COOKIE, { ...cookieBase, path: '/console' });
    if (!login || typeof login.state !== 'string' || typeof login.nonce !== 'string' || typeof login.verifier !== 'string') {
      logger.info({ event: 'console.signin_failed', ...clientFields(req), outcome: 'no or expired sign-in state' }, 'console sign-in refused');
      return renderFailure(res, 400);
    }
    const q = req.originalUrl.indexOf('?');
    const current = new URL(`${redirectUri}${q === -1 ? '' : req.originalUrl.slice(q)}`);
    let tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
    try {
      tokens = await oidc.authorizationCodeGrant(await configuration(), current, {
        pkceCodeVerifier: login.verifier,
        expectedState: login.state,
        expectedNonce: login.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      const e = err as { error?: string; code?: string; message?: string };
      // the IdP's storage out of reach (its authorization or token endpoint said so): the 503 page
      if (e.error === 'temporarily_unavailable') throw new SsoError('unavailable', 'console sign-in: the IdP is temporarily unavailable');
      logger.info({ event: 'console.signin_failed', ...clientFields(req), outcome: e.error ?? e.code ?? e.message }, 'console sign-in refused');
      return renderFailure(res, 400);
    }
    const claims = tokens.claims();
    const sid = typeof claims?.sid === 'string' ? claims.sid : await sidOfToken(tokens.access_token);
    if (!claims?.sub || !sid) return renderFailure(res, 400);
    const session: ConsoleSession = { accountId: claims.sub, sid, exp: now() + config.ttl.session, nonce: newCsrfNonce(), idToken: tokens.id_token, acr: typeof claims.acr === 'string' ? claims.acr : undefined };
    // SESSION_COOKIE=browser: ends with the browser, as the IdP's session cookie (the sealed exp bounds it either way)
    const lifetime = config.login.sessionCookie === 'persistent' ? { maxAge: config.ttl.session * 1000 } : {};
    res.cookie(SESSION_COOKIE, seal(keys, SESSION_PURPOSE, { ...session }), { ...cookieBase, path: '/', ...lifetime });
    const who = typeof claims.preferred_username === 'string' ? claims.preferred_username : undefined;
    logger.info({ event: 'console.signin', account: claims.sub, login: who, ...clientFields(req), client: CONSOLE_CLIENT_ID, outcome: 'success' }, 'signed in to the console');
    res.redirect(303, safeReturnPath(login.returnTo));
  };
}

export function createConsoleAuth(deps: ConsoleAuthDeps): ConsoleAuth {
  const { config, logger } = deps;
  const keys = config.cookieKeys;
  const secure = config.issuer.startsWith('https:');
  const cookieBase: CookieBase = { httpOnly: true, sameSite: 'lax', secure };
  const rp = consoleRelyingParty(config, deps.selfUrl);
  const { redirectUri, configuration, publicAuthorizationUrl } = rp;
  /** Is the IdP session this console session came from still there? */
  const idpSessionAlive = (s: ConsoleSession) => deps.sessions.isAlive(s.accountId, CONSOLE_CLIENT_ID, s.sid, new Date());
  /**
   * oidc-provider puts `sid` in ID tokens only for clients with back-channel logout (which the
   * console does not need: it checks the IdP session on every request). The same sid is read from
   * the IdP session the access token was issued in.
   */
  const sidOfToken = (accessToken: string) => deps.sessions.sidOfAccessToken(accessToken, CONSOLE_CLIENT_ID);
  const binding = (s: ConsoleSession) => `console\0${s.accountId}\0${s.sid}`;

  function readSession(req: Request): ConsoleSession | null {
    const p = unseal(keys, SESSION_PURPOSE, cookies(req)[SESSION_COOKIE], now());
    if (!p || typeof p.accountId !== 'string' || typeof p.sid !== 'string' || typeof p.nonce !== 'string') return null;
    return { accountId: p.accountId, sid: p.sid, exp: p.exp as number, nonce: p.nonce, idToken: typeof p.idToken === 'string' ? p.idToken : undefined, acr: typeof p.acr === 'string' ? p.acr : undefined };
  }

  const auth: ConsoleAuth = {
    router() {
      const router = express.Router();
      router.get(CONSOLE_CALLBACK_PATH, signInCallback({ config, logger, cookieBase, rp, sidOfToken }));
      return router;
    },

    async current(req, res) {
      const s = readSession(req);
      if (!s) return null;
      const account = await deps.accounts.findActive(s.accountId);
      if (!account || !(await idpSessionAlive(s))) {
        res.clearCookie(SESSION_COOKIE, { ...cookieBase, path: '/' });
        return null;
      }
      return { account, session: s, csrf: csrfToken(keys[0]!, binding(s), s.nonce) };
    },

    async signIn(req, res, returnTo, opts = {}) {
      const c = await configuration();
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const ttl = config.ttl.interaction;
      res.cookie(LOGIN_COOKIE, seal(keys, LOGIN_PURPOSE, { state, nonce, verifier, returnTo: safeReturnPath(returnTo), exp: now() + ttl }), { ...cookieBase, path: '/console', maxAge: ttl * 1000 });
      const lang = rememberedLocale(req);
      const url = oidc.buildAuthorizationUrl(c, {
        redirect_uri: redirectUri,
        scope: 'openid',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
        ...(lang ? { ui_locales: lang } : {}), ...(opts.acr ? { acr_values: opts.acr } : {}),
      });
      res.set('Cache-Control', 'no-store').redirect(302, publicAuthorizationUrl(url).href);
    },

    checkCsrf(req, signedIn) {
      return verifyCsrf(keys, binding(signedIn.session), signedIn.session.nonce, presentedCsrf(req.body));
    },

    forget(res) {
      res.clearCookie(SESSION_COOKIE, { ...cookieBase, path: '/' });
    },

    signOut(_req, res, signedIn) {
      auth.forget(res);
      const url = new URL(`${config.issuer}/session/end`);
      url.searchParams.set('client_id', CONSOLE_CLIENT_ID);
      // the sign-out button was the question: with the hint, the IdP does not ask again (interaction/console-logout.ts)
      if (signedIn.session.idToken) url.searchParams.set('id_token_hint', signedIn.session.idToken);
      res.set('Cache-Control', 'no-store').redirect(303, url.pathname + url.search);
    },
  };
  return auth;
}

/** The URL this instance answers on from inside (a wildcard listen address becomes loopback). Pure. */
export function ownAddress(a: { address: string; family: string; port: number }): string {
  const host = a.address === '0.0.0.0' ? '127.0.0.1' : a.address === '::' ? '[::1]' : a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return `http://${host}:${a.port}`;
}
