/**
 * What every interaction page shares: the interaction oidc-provider keeps for this browser (and
 * the check that it is the one in the URL), the CSRF token of its forms, the application's name,
 * and handing the outcome back to oidc-provider.
 */
import type { Request, Response } from 'express';
import { parse as parseCookie } from 'cookie';
import type { InteractionResults } from 'oidc-provider';
import type { Config } from '../config/load.js';
import type { Logger } from '../util/logger.js';
import type { AccountService } from '../accounts/service.js';
import type { LoginUseCase } from '../login/attempt.js';
import type { ConsentUseCase } from '../consent/grant.js';
import type { CertificateLogin } from '../certificate/login.js';
import type { WebAuthnService } from '../webauthn/service.js';
import type { AuditLog } from '../audit/log.js';
import type { SecondFactorService } from '../second-factor/service.js';
import type { ProviderHost } from '../oidc/provider.js';
import { SsoError } from '../domain/errors.js';
import { CSRF_COOKIE, csrfToken, newCsrfNonce, presentedCsrf, verifyCsrf } from '../web/csrf.js';
import type { Renderer } from '../web/render.js';
import { INTERACTION_CLIENT } from '../web/errors.js';

export interface InteractionDeps {
  config: Config;
  host: ProviderHost;
  accounts: AccountService;
  /** The login use case: throttle, password check, account state, audit and metrics. */
  login: LoginUseCase;
  /** The consent use case: grants, implied consent, audit. */
  consent: ConsentUseCase;
  /** The second factor: who must, enrolment, codes (interaction/second-factor.ts). */
  secondFactors: SecondFactorService;
  render: Renderer;
  logger: Logger;
  /** The certificate login (CERT_LOGIN_URL): its return to this host (interaction/certificate.ts). */
  certificate?: CertificateLogin | undefined;
  /** Security keys and passkeys: the passkey sign-in where WEBAUTHN_PASSWORDLESS allows it (./passkey.ts). */
  webauthn?: WebAuthnService | undefined;
  /** The audit trail: what the interaction itself refuses (a certificate of another account at the second step). */
  audit?: Pick<AuditLog, 'record'> | undefined;
}

export type Interaction = Awaited<ReturnType<ProviderHost['provider']['interactionDetails']>>;

export interface InteractionFlow {
  /** The interaction of this browser, which must be the one in the URL (else: the "start again" page). */
  details(req: Request, res: Response): Promise<Interaction>;
  /** The CSRF token for this interaction's forms (a nonce cookie is set when the browser has none). */
  csrfFor(req: Request, res: Response, uid: string): string;
  /** Refuses a form without this interaction's CSRF token. */
  checkCsrf(req: Request, uid: string): void;
  /** The application's name, or its id. */
  clientName(clientId: unknown): Promise<string>;
  /** Hands the outcome to oidc-provider and sends the browser on. */
  finish(req: Request, res: Response, result: InteractionResults): Promise<void>;
}

const cookies = (req: Request): Record<string, string | undefined> => parseCookie(req.headers.cookie ?? '');

export function interactionFlow(deps: Pick<InteractionDeps, 'config' | 'host'>): InteractionFlow {
  const { config, host } = deps;
  // forms are signed with the first cookie key and checked against every one (a rotation in progress)
  const csrfKey = config.cookieKeys[0]!;
  const secure = config.issuer.startsWith('https:');

  return {
    async details(req, res) {
      const d = await host.provider.interactionDetails(req, res);
      if (d.uid !== req.params.uid) throw new SsoError('session_expired', 'interaction uid does not match the cookie');
      // the application this interaction is for: an error page on the way offers the way back to
      // it, looked up only then (never on the login's own path)
      const clientId = d.params.client_id;
      if (typeof clientId === 'string') res.locals[INTERACTION_CLIENT] = () => host.provider.Client.find(clientId);
      return d;
    },

    csrfFor(req, res, uid) {
      let nonce = cookies(req)[CSRF_COOKIE];
      if (!nonce || nonce.length > 64) {
        nonce = newCsrfNonce();
        res.cookie(CSRF_COOKIE, nonce, { httpOnly: true, sameSite: 'lax', secure, path: '/interaction' });
      }
      return csrfToken(csrfKey, uid, nonce);
    },

    checkCsrf(req, uid) {
      if (!verifyCsrf(config.cookieKeys, uid, cookies(req)[CSRF_COOKIE], presentedCsrf(req.body))) throw new SsoError('csrf', 'csrf token missing or wrong');
    },

    async clientName(clientId) {
      const client = typeof clientId === 'string' ? await host.provider.Client.find(clientId) : undefined;
      return client?.clientName ?? (typeof clientId === 'string' ? clientId : '');
    },

    async finish(req, res, result) {
      const redirectTo = await host.provider.interactionResult(req, res, result, { mergeWithLastSubmission: true });
      res.redirect(303, redirectTo);
    },
  };
}
