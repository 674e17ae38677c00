/**
 * "Đăng nhập bằng passkey" on the login page, where WEBAUTHN_PASSWORDLESS allows it: the
 * options (a discoverable credential, user verification required) and the assertion, through
 * the WebAuthn use case (src/webauthn/service.ts). A verified passkey with user verification is
 * two factors by itself: the interaction ends with `login: { accountId, amr, acr }`.
 *   POST /interaction/:uid/passkey/options   CSRF; answers { options } and binds the challenge to this browser
 *   POST /interaction/:uid/passkey           CSRF; the assertion in `response`
 */
import express, { type Request, type Response } from 'express';
import { SsoError } from '../domain/errors.js';
import { userAgentOf } from '../util/log-fields.js';
import { authenticationResponseOf, sendOptions, takeChallengeId, WEBAUTHN_BROWSER_PATH } from '../webauthn/http.js';
import type { Interaction, InteractionDeps, InteractionFlow } from './flow.js';
import type { MessageKey } from '../web/i18n/index.js';

/** What the login page needs to offer the passkey, or undefined when it is not offered. */
export function passkeyOffer(deps: Pick<InteractionDeps, 'webauthn'>, uid: string) {
  if (!deps.webauthn?.passwordless) return undefined;
  return { action: `/interaction/${uid}/passkey`, optionsAction: `/interaction/${uid}/passkey/options`, browserScript: WEBAUTHN_BROWSER_PATH };
}

interface LoginPage {
  /** The login page with a refusal (interaction/login.ts; named here by shape, so the two files do not import each other). */
  showLogin(req: Request, res: Response, d: Interaction, opts?: { error?: MessageKey; status?: number }): Promise<void>;
}

export function passkeyRoutes(router: express.Router, deps: InteractionDeps, flow: InteractionFlow, login: LoginPage): void {
  const body = express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 10 });
  const secure = deps.config.issuer.startsWith('https:');
  const cookiePath = '/interaction';

  function service() {
    if (!deps.webauthn?.passwordless) throw new SsoError('not_found', 'passkey sign-in is not enabled');
    return deps.webauthn;
  }

  async function loginStep(req: Request, res: Response) {
    res.set('Cache-Control', 'no-store');
    const d = await flow.details(req, res);
    flow.checkCsrf(req, d.uid);
    if (d.prompt.name !== 'login' && d.prompt.name !== 'select_account') throw new SsoError('invalid_input', 'passkey posted to a non-login prompt');
    return d;
  }

  async function options(req: Request, res: Response) {
    const webauthn = service();
    await loginStep(req, res);
    sendOptions(res, await webauthn.passwordlessOptions(), { path: cookiePath, secure });
  }

  async function verify(req: Request, res: Response) {
    const webauthn = service();
    const d = await loginStep(req, res);
    const response = authenticationResponseOf(req.body);
    const ctx = { ip: req.ip ?? null, userAgent: userAgentOf(req.headers['user-agent']), clientId: String(d.params.client_id) };
    const r = await webauthn.verifyPasswordless(takeChallengeId(req, res, cookiePath), response, ctx);
    // the login page looks every key up in all catalogues; this one lives in web/i18n/webauthn.ts
    if (!r.ok) return login.showLogin(req, res, d, { error: 'login.passkeyRefused' as MessageKey, status: 401 });
    return flow.finish(req, res, { login: { accountId: r.accountId, amr: r.amr, acr: r.acr }, ...(d.prompt.name === 'select_account' ? { select_account: {} } : {}) });
  }

  router.post('/:uid/passkey/options', body, options);
  router.post('/:uid/passkey', body, verify);
}
