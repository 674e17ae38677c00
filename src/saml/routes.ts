/**
 * The SAML endpoints: GET /saml/metadata, GET and POST /saml/sso (HTTP-Redirect and HTTP-POST
 * bindings), GET /saml/callback (back from the internal OpenID Connect authorization). A refused
 * request gets the error page and an audit event, never an assertion.
 */
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import type { Config } from '../config/load.js';
import type { AuditRecorder } from '../audit/log.js';
import { SsoError } from '../domain/errors.js';
import type { Logger } from '../util/logger.js';
import { clientFields } from '../util/log-fields.js';
import { expressLocale } from '../web/locale.js';
import type { Renderer } from '../web/render.js';
import { RequestRefused, type IncomingRequest } from './authn-request.js';
import type { SamlKeyStore } from './keys.js';
import { idpMetadata, SAML_PATHS } from './metadata.js';
import type { SamlSso, SsoOutcome } from './sso.js';
import type { LogoutOutcome, SamlLogout } from './logout.js';

export interface SamlRouteDeps {
  config: Config;
  render: Renderer;
  logger: Logger;
  keys: SamlKeyStore;
  sso: SamlSso;
  logout?: SamlLogout | undefined;
  audit?: AuditRecorder | undefined;
}

const FLOW_COOKIE = 'sso_saml';
/** The largest form accepted at /saml/sso (a POST-binding SAMLRequest, base64). */
const MAX_FORM_BYTES = 128 * 1024;

const incoming = z.object({
  SAMLRequest: z.string().min(1).max(MAX_FORM_BYTES),
  RelayState: z.string().max(1024).optional(),
});

const callbackQuery = z.object({ state: z.string().min(1).max(100) });

function rawQueryOf(req: Request): string {
  const q = req.originalUrl.indexOf('?');
  return q === -1 ? '' : req.originalUrl.slice(q + 1);
}

/** /saml/slo: a LogoutRequest in, the LogoutResponse (or the logged-out page) out; a refusal is logged, audited and shown. */
function logoutHandler(deps: SamlRouteDeps): (req: Request, res: Response, binding: 'redirect' | 'post', source: unknown) => Promise<void> {
  const { config, render, logger, logout, audit } = deps;
  function sendLogout(req: Request, res: Response, out: LogoutOutcome): void {
    res.set('Cache-Control', 'no-store');
    if (out.kind === 'redirect') return res.redirect(302, out.url);
    const l = expressLocale(req, res, config);
    if (out.kind === 'done') return void res.type('html').send(render.render('logged-out', { ...l, title: l.t('saml.logout.title'), client: { name: out.app } }));
    res.type('html').send(render.render('saml-post', { ...l, title: l.t('saml.post.title'), app: out.app, action: out.action, samlResponse: out.samlResponse, relayState: out.relayState }));
  }

  async function refusedLogout(req: Request, err: RequestRefused, binding: string): Promise<never> {
    logger.info({ event: 'saml.logout_refused', reason: err.reason, sp: err.spEntityId, ...clientFields(req) }, `SAML logout request refused: ${err.message}`);
    await audit?.record({ type: 'saml.logout_refused', outcome: err.reason, ip: req.ip ?? null, detail: { sp: err.spEntityId ?? null, binding } });
    const unknown = err.reason === 'unknown_issuer' || err.reason === 'sp_disabled';
    throw new SsoError('invalid_input', `SAML logout request refused: ${err.reason}`, { status: 400, messageKey: unknown ? 'saml.error.unknownApp' : 'saml.error.logout' });
  }

  async function handleLogout(req: Request, res: Response, binding: 'redirect' | 'post', source: unknown): Promise<void> {
    const parsed = incoming.safeParse(source);
    if (!logout) throw new SsoError('not_found', 'SAML single logout is not available');
    if (!parsed.success) return refusedLogout(req, new RequestRefused('malformed', 'no or oversized SAMLRequest'), binding);
    const input: IncomingRequest = { binding, samlRequest: parsed.data.SAMLRequest, relayState: parsed.data.RelayState, rawQuery: binding === 'redirect' ? rawQueryOf(req) : undefined };
    try {
      sendLogout(req, res, await logout.handle(input));
    } catch (err) {
      if (err instanceof RequestRefused) return refusedLogout(req, err, binding);
      throw err;
    }
  }

  return handleLogout;
}

export function samlRouter(deps: SamlRouteDeps): express.Router {
  const { config, render, logger, keys, sso, audit } = deps;
  const handleLogout = logoutHandler(deps);
  const router = express.Router();
  const secure = config.issuer.startsWith('https:');
  const cookieName = (flowId: string) => `${FLOW_COOKIE}_${flowId.slice(0, 12)}`;

  function send(req: Request, res: Response, out: SsoOutcome): void {
    res.set('Cache-Control', 'no-store');
    if (out.kind === 'redirect') {
      // the flow is bound to this browser: the callback needs the cookie as well as the state
      res.cookie(cookieName(out.flowId), '1', { httpOnly: true, sameSite: 'lax', secure, path: SAML_PATHS.callback, maxAge: 30 * 60_000 });
      res.redirect(302, out.url);
      return;
    }
    const l = expressLocale(req, res, config);
    res.type('html').send(render.render('saml-post', { ...l, title: l.t('saml.post.title'), app: out.app, action: out.action, samlResponse: out.samlResponse, relayState: out.relayState }));
  }

  async function refused(req: Request, err: RequestRefused, binding: string): Promise<never> {
    logger.info({ event: 'saml.request_refused', reason: err.reason, sp: err.spEntityId, ...clientFields(req) }, `SAML request refused: ${err.message}`);
    await audit?.record({ type: 'saml.request_refused', outcome: err.reason, ip: req.ip ?? null, detail: { sp: err.spEntityId ?? null, binding } });
    const unknown = err.reason === 'unknown_issuer' || err.reason === 'sp_disabled';
    throw new SsoError('invalid_input', `SAML request refused: ${err.reason}`, { status: 400, messageKey: unknown ? 'saml.error.unknownApp' : 'saml.error.request' });
  }

  async function handle(req: Request, res: Response, binding: 'redirect' | 'post', source: unknown): Promise<void> {
    const parsed = incoming.safeParse(source);
    if (!parsed.success) return refused(req, new RequestRefused('malformed', 'no or oversized SAMLRequest'), binding);
    const input: IncomingRequest = { binding, samlRequest: parsed.data.SAMLRequest, relayState: parsed.data.RelayState, rawQuery: binding === 'redirect' ? rawQueryOf(req) : undefined };
    try {
      send(req, res, await sso.start(input));
    } catch (err) {
      if (err instanceof RequestRefused) return refused(req, err, binding);
      throw err;
    }
  }

  router.get(SAML_PATHS.metadata, async (_req, res) => {
    const xml = idpMetadata(config.issuer, await keys.published(), await keys.signer());
    res.set('Cache-Control', 'public, max-age=300').type('application/samlmetadata+xml').send(xml);
  });
  router.get(SAML_PATHS.sso, (req, res) => handle(req, res, 'redirect', req.query));
  router.post(SAML_PATHS.sso, express.urlencoded({ extended: false, limit: MAX_FORM_BYTES + 4096, parameterLimit: 10 }), (req, res) => handle(req, res, 'post', req.body));
  router.get(`${SAML_PATHS.idpInitiated}/:id`, async (req, res) => {
    const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/).safeParse(req.params.id);
    if (!id.success) throw new SsoError('not_found', 'no such SAML application', { status: 404, messageKey: 'saml.error.unknownApp' });
    send(req, res, await sso.startIdpInitiated(id.data));
  });
  router.get(SAML_PATHS.slo, (req, res) => handleLogout(req, res, 'redirect', req.query));
  router.post(SAML_PATHS.slo, express.urlencoded({ extended: false, limit: MAX_FORM_BYTES + 4096, parameterLimit: 10 }), (req, res) => handleLogout(req, res, 'post', req.body));
  router.get(SAML_PATHS.callback, async (req, res) => {
    const q = callbackQuery.safeParse(req.query);
    if (!q.success) throw new SsoError('session_expired', 'SAML callback without state', { messageKey: 'saml.error.expired' });
    const cookie = cookieName(q.data.state);
    if (!req.headers.cookie?.split(/;\s*/).includes(`${cookie}=1`)) throw new SsoError('session_expired', 'SAML callback from another browser', { messageKey: 'saml.error.expired' });
    res.clearCookie(cookie, { httpOnly: true, sameSite: 'lax', secure, path: SAML_PATHS.callback });
    const current = new URL(`${config.issuer}${SAML_PATHS.callback}?${rawQueryOf(req)}`);
    send(req, res, await sso.finish(q.data.state, current));
  });
  return router;
}
