// A small web application that signs people in with the provincial single sign-on, written as an
// example for application developers (and run twice by the browser tests as two applications).
//
//   ISSUER=https://sso.tinh.gov.vn CLIENT_ID=... CLIENT_SECRET=... BASE_URL=https://app.tinh.gov.vn \
//   PORT=4000 APP_NAME="Văn phòng điện tử" node examples/web-app/server.mjs
//
// Register it first:
//   npx sso client add --name "Văn phòng điện tử" --redirect-uri $BASE_URL/callback \
//     --post-logout-redirect-uri $BASE_URL/ --backchannel-logout-uri $BASE_URL/backchannel-logout
//
// What it shows: authorization code flow with PKCE, state and nonce (openid-client 6); a session
// cookie of its own; RP-initiated logout; a back-channel logout endpoint that verifies the logout
// token (jose) and ends the local sessions with that sid (or every session of that sub).
// Sessions live in memory: a real application keeps them in its own store.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import express from 'express';
import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const env = process.env;
const ISSUER = env.ISSUER;
const CLIENT_ID = env.CLIENT_ID;
const CLIENT_SECRET = env.CLIENT_SECRET;
const BASE_URL = (env.BASE_URL ?? `http://127.0.0.1:${env.PORT ?? 4000}`).replace(/\/+$/, '');
const PORT = Number(env.PORT || new URL(BASE_URL).port || 4000);
const HOST = env.HOST ?? '127.0.0.1';
const APP_NAME = env.APP_NAME ?? 'Ứng dụng mẫu';
const SCOPE = env.SCOPE ?? 'openid profile email';
if (!ISSUER || !CLIENT_ID || !CLIENT_SECRET) {
  console.error('set ISSUER, CLIENT_ID and CLIENT_SECRET (and BASE_URL, PORT)');
  process.exit(2);
}

// http issuers only on loopback (development); anything else must be https
const issuerUrl = new URL(ISSUER);
const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(issuerUrl.hostname);
const config = await client.discovery(issuerUrl, CLIENT_ID, CLIENT_SECRET, undefined, loopback ? { execute: [client.allowInsecureRequests] } : undefined);
const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri));
const REDIRECT_URI = `${BASE_URL}/callback`;
// cookies are not kept apart by port: two applications on one host need two names
const COOKIE = env.COOKIE_NAME ?? 'app_session';
const secure = BASE_URL.startsWith('https:');

/** session id -> { sub, sid, name, idToken, csrf }; login state -> { verifier, nonce, at } */
const sessions = new Map();
const pending = new Map();
const newId = () => randomBytes(32).toString('base64url');

const app = express();
app.disable('x-powered-by');
app.use((_req, res, next) => {
  res.set({ 'Content-Security-Policy': "default-src 'self'; form-action 'self' " + issuerUrl.origin, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' });
  next();
});

function sessionOf(req) {
  const cookie = (req.headers.cookie ?? '').split(/;\s*/).find((c) => c.startsWith(`${COOKIE}=`));
  const id = cookie?.slice(COOKIE.length + 1);
  return id && sessions.has(id) ? { id, ...sessions.get(id) } : null;
}

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

function page(title, body) {
  return `<!doctype html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · ${esc(APP_NAME)}</title></head>
<body><header><p><strong>${esc(APP_NAME)}</strong></p></header><main><h1>${esc(title)}</h1>${body}</main></body></html>`;
}

app.get('/', (req, res) => {
  const s = sessionOf(req);
  if (!s) return res.type('html').send(page('Chưa đăng nhập', `<p id="status">Bạn chưa đăng nhập.</p><p><a id="login" href="/login">Đăng nhập bằng tài khoản thư công vụ</a></p>`));
  res.type('html').send(page('Đã đăng nhập', `<p id="status">Xin chào <span id="name">${esc(s.name)}</span>.</p>
<form method="post" action="/logout"><input type="hidden" name="csrf" value="${esc(s.csrf)}"><button id="logout" type="submit">Đăng xuất</button></form>`));
});

// 1. to the IdP, with PKCE, state and nonce kept server-side under the state
app.get('/login', async (_req, res) => {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  pending.set(state, { verifier, nonce, at: Date.now() });
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI, scope: SCOPE, state, nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  res.redirect(url.href);
});

// 2. back from the IdP: check state, exchange the code, check the ID token (openid-client does)
app.get('/callback', async (req, res) => {
  const state = typeof req.query.state === 'string' ? req.query.state : '';
  const login = pending.get(state);
  pending.delete(state);
  if (!login || Date.now() - login.at > 10 * 60_000) return res.status(400).type('html').send(page('Không đăng nhập được', '<p>Phiên đăng nhập đã hết hạn. <a href="/login">Thử lại</a></p>'));
  try {
    const tokens = await client.authorizationCodeGrant(config, new URL(req.originalUrl, BASE_URL), { pkceCodeVerifier: login.verifier, expectedState: state, expectedNonce: login.nonce });
    const claims = tokens.claims();
    // the ID token carries who (sub) and which session (sid); the profile comes from userinfo
    const profile = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    const id = newId();
    sessions.set(id, { sub: claims.sub, sid: claims.sid ?? null, name: profile.name ?? profile.preferred_username ?? claims.sub, idToken: tokens.id_token, csrf: newId() });
    res.cookie(COOKIE, id, { httpOnly: true, sameSite: 'lax', secure, path: '/' });
    res.redirect(303, '/');
  } catch (err) {
    res.status(400).type('html').send(page('Không đăng nhập được', `<p>${esc(err.error ?? err.message)}. <a href="/login">Thử lại</a></p>`));
  }
});

// 3. logout here and at the IdP (RP-initiated logout); the IdP tells the other applications
app.post('/logout', express.urlencoded({ extended: false, limit: '2kb' }), (req, res) => {
  const s = sessionOf(req);
  const given = Buffer.from(String(req.body?.csrf ?? ''));
  if (!s || given.length !== Buffer.byteLength(s.csrf) || !timingSafeEqual(given, Buffer.from(s.csrf))) return res.redirect(303, '/');
  sessions.delete(s.id);
  res.clearCookie(COOKIE, { path: '/' });
  res.redirect(303, client.buildEndSessionUrl(config, { id_token_hint: s.idToken, post_logout_redirect_uri: `${BASE_URL}/` }).href);
});

// 4. the IdP ends a session (logout elsewhere, mailbox disabled): verify the token, end ours
app.post('/backchannel-logout', express.urlencoded({ extended: false, limit: '8kb' }), async (req, res) => {
  try {
    const { payload } = await jwtVerify(String(req.body?.logout_token ?? ''), jwks, { issuer: config.serverMetadata().issuer, audience: CLIENT_ID, typ: 'logout+jwt', maxTokenAge: '5m' });
    if (!payload.events?.['http://schemas.openid.net/event/backchannel-logout'] || payload.nonce !== undefined || (!payload.sid && !payload.sub)) throw new Error('not a logout token');
    let ended = 0;
    for (const [id, s] of sessions) {
      if ((payload.sid && s.sid === payload.sid) || (!payload.sid && s.sub === payload.sub)) {
        sessions.delete(id);
        ended++;
      }
    }
    console.log(JSON.stringify({ event: 'backchannel_logout', sid: payload.sid ?? null, ended }));
    res.set('Cache-Control', 'no-store').status(200).end();
  } catch (err) {
    res.status(400).json({ error: 'invalid_request', error_description: err.message });
  }
});

app.listen(PORT, HOST, () => console.log(JSON.stringify({ event: 'listening', url: BASE_URL, app: APP_NAME })));
