/**
 * Login, account selection, consent and abort: the interaction pages oidc-provider sends the
 * browser to (/interaction/:uid). Express serves them; each POST carries a CSRF token and
 * bounded fields parsed by their schemas.
 */
import express, { type Request, type Response } from 'express';
import { SsoError } from '../domain/errors.js';
import { interactionFlow, type InteractionDeps } from './flow.js';
import { loginHandlers } from './login.js';
import { consentHandlers } from './consent.js';
import { accessDeniedHandlers } from './access-denied.js';
import { certificateReturnHandler } from './certificate.js';
import { passkeyRoutes } from './passkey.js';
import { secondFactorHandlers } from './second-factor.js';
import { secondFactorMethodRoutes, secondFactorMethods } from './second-factor-methods.js';

export type { InteractionDeps } from './flow.js';

export function interactionRouter(deps: InteractionDeps): express.Router {
  const router = express.Router();
  const body = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });
  const flow = interactionFlow(deps);
  const secondFactor = secondFactorHandlers(deps, flow, secondFactorMethods(deps));
  const login = loginHandlers(deps, flow, secondFactor);
  const consent = consentHandlers(deps, flow);
  const access = accessDeniedHandlers(deps, flow);

  /** GET /interaction/:uid: the page of the step oidc-provider is at. */
  async function showInteraction(req: Request, res: Response) {
    res.set('Cache-Control', 'no-store');
    const d = await flow.details(req, res);
    const prompt = d.prompt.name;
    // a login waiting for its second factor, or a live session below the level asked (step-up)
    if (prompt === 'login' && (await secondFactor.stepUp(req, res, d))) return;
    if (prompt === 'login' || prompt === 'select_account') return login.showLogin(req, res, d);
    if (prompt === 'consent') return consent.showConsent(req, res, d);
    if (prompt === access.prompt) return access.showRefused(req, res, d);
    throw new SsoError('invalid_input', `unknown prompt ${prompt}`);
  }

  router.get('/:uid', showInteraction);
  router.post('/:uid/login', body, login.submitLogin);
  router.post('/:uid/continue', body, login.continueSession);
  router.post('/:uid/second-factor', body, secondFactor.submitCode);
  router.post('/:uid/second-factor/enrol', body, secondFactor.submitEnrol);
  router.post('/:uid/second-factor/continue', body, secondFactor.continueAfterCodes);
  router.post('/:uid/second-factor/later', body, secondFactor.later);
  router.post('/:uid/second-factor/cancel', body, secondFactor.cancel);
  router.post('/:uid/confirm', body, consent.confirmConsent);
  router.post('/:uid/abort', body, consent.abortInteraction);
  router.post('/:uid/access-back', body, access.goBack);
  if (deps.certificate) router.get('/:uid/certificate', certificateReturnHandler({ ...deps, certificate: deps.certificate }, flow));
  passkeyRoutes(router, deps, flow, login);
  secondFactorMethodRoutes(router, deps, flow, secondFactor);
  return router;
}
