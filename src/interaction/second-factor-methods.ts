/**
 * The other second factors on the login's second step (./second-factor.ts): a security key or
 * passkey (src/webauthn/) and the government digital-signature certificate (src/certificate/).
 * Each checks its proof for the account whose password was just typed (the pending login),
 * then finishes the login through completeSecondFactor with its RFC 8176 method.
 *   POST /interaction/:uid/second-factor/webauthn/options   CSRF; the assertion's options (the account's keys)
 *   POST /interaction/:uid/second-factor/webauthn           CSRF; the assertion in `response`
 *   GET  /interaction/:uid/second-factor/certificate/start  to the certificate host (CERT_LOGIN_URL)
 *   GET  /interaction/:uid/second-factor/certificate?v=…     back from it, the signed single-use value
 */
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { SsoError } from '../domain/errors.js';
import { userAgentOf } from '../util/log-fields.js';
import { expressLocale } from '../web/locale.js';
import { authenticationResponseOf, sendOptions, takeChallengeId } from '../webauthn/http.js';
import { certificateStartUrl } from '../certificate/routes.js';
import { sendRefusal } from '../certificate/pages.js';
import { completeSecondFactor, pendingLogin, type PageOptions, type PendingLogin, type SecondFactorMethod } from './second-factor.js';
import type { Interaction, InteractionDeps, InteractionFlow } from './flow.js';

const WEBAUTHN_PATH = 'second-factor/webauthn';
const CERTIFICATE_PATH = 'second-factor/certificate';

/** The methods the page offers besides the code, as this deployment has them. */
export function secondFactorMethods(deps: Pick<InteractionDeps, 'webauthn' | 'certificate'>): SecondFactorMethod[] {
  const methods: SecondFactorMethod[] = [];
  const webauthn = deps.webauthn;
  if (webauthn) methods.push({ kind: 'webauthn', enrolled: (id) => webauthn.hasAny(id), label: 'mfa.method.securityKey', path: WEBAUTHN_PATH });
  // a certificate is held, not enrolled: offered whenever a second factor is asked, never the reason one is
  if (deps.certificate) methods.push({ kind: 'link', always: true, enrolled: async () => false, label: 'mfa.method.certificate', path: `${CERTIFICATE_PATH}/start` });
  return methods;
}

interface Page {
  show(req: Request, res: Response, d: Interaction, p: PendingLogin, opts?: PageOptions): Promise<void>;
}

export function secondFactorMethodRoutes(router: express.Router, deps: InteractionDeps, flow: InteractionFlow, page: Page): void {
  const body = express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 10 });
  const secure = deps.config.issuer.startsWith('https:');
  const cookiePath = '/interaction';

  /**
   * The interaction and its login waiting at one of `stages` (`post`: a form, CSRF checked). The
   * certificate is also taken at enrolment: it is held, not enrolled.
   */
  async function waiting(req: Request, res: Response, post: boolean, stages: readonly PendingLogin['stage'][] = ['verify']): Promise<{ d: Interaction; p: PendingLogin }> {
    res.set('Cache-Control', 'no-store');
    const d = await flow.details(req, res);
    if (post) flow.checkCsrf(req, d.uid);
    const p = pendingLogin(d);
    if (!p || !stages.includes(p.stage)) throw new SsoError('session_expired', 'no login waiting for a second factor');
    return { d, p };
  }

  const ctxOf = (req: Request, d: Interaction) => ({ ip: req.ip ?? null, userAgent: userAgentOf(req.headers['user-agent']), clientId: String(d.params.client_id) });

  if (deps.webauthn) {
    const webauthn = deps.webauthn;
    router.post(`/:uid/${WEBAUTHN_PATH}/options`, body, async (req: Request, res: Response) => {
      const { p } = await waiting(req, res, true);
      sendOptions(res, await webauthn.authenticationOptions(p.accountId), { path: cookiePath, secure });
    });
    router.post(`/:uid/${WEBAUTHN_PATH}`, body, async (req: Request, res: Response) => {
      const { d, p } = await waiting(req, res, true);
      const r = await webauthn.verifyAuthentication(p.accountId, takeChallengeId(req, res, cookiePath), authenticationResponseOf(req.body), ctxOf(req, d));
      if (!r.ok) return page.show(req, res, d, p, { methodError: 'mfa.error.securityKey' });
      return completeSecondFactor(flow, req, res, d, r.method, { uv: r.uv });
    });
  }

  const certificate = deps.certificate;
  const loginUrl = deps.config.certificate?.loginUrl;
  if (certificate && loginUrl) {
    router.get(`/:uid/${CERTIFICATE_PATH}/start`, async (req: Request, res: Response) => {
      const { d } = await waiting(req, res, false, ['verify', 'enrol']);
      res.redirect(303, certificateStartUrl(loginUrl, d.uid, 'second_factor'));
    });
    router.get(`/:uid/${CERTIFICATE_PATH}`, async (req: Request, res: Response) => {
      const { d, p } = await waiting(req, res, false, ['verify', 'enrol']);
      const q = z.object({ v: z.string().min(1).max(4096) }).safeParse(req.query);
      if (!q.success) throw new SsoError('invalid_input', 'certificate return without its value');
      const r = await certificate.consumeCertificateReturn(d.uid, q.data.v, 'second_factor', { ip: req.ip, clientId: String(d.params.client_id) });
      if (!r.ok) return sendRefusal(res, deps.render, expressLocale(req, res, deps.config), { reason: r.reason, issuer: deps.config.issuer, uid: d.uid, side: 'issuer' });
      if (r.accountId !== p.accountId) {
        await deps.audit?.record({ type: 'cert.login.failed', outcome: 'wrong_account', subject: p.accountId, ip: req.ip ?? null, clientId: String(d.params.client_id), detail: { purpose: 'second_factor' } });
        return page.show(req, res, d, p, { methodError: 'mfa.error.certificateAccount' });
      }
      return completeSecondFactor(flow, req, res, d, 'sc');
    });
  }
}
