/**
 * The certificate host (CERT_LOGIN_URL): the only page served there. The TLS proxy in front
 * asked the browser for its certificate and forwarded it in CERT_HEADER;
 * GET /certificate/:uid?purpose=login|second_factor has it checked and mapped (login.ts), then
 * sends the browser back to the issuer's host with the signed value, to
 * /interaction/:uid/certificate (the login's first step) or
 * /interaction/:uid/second-factor/certificate (the second factor), or shows the refusal's page.
 */
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import type { Config } from '../config/load.js';
import type { Renderer } from '../web/render.js';
import { expressLocale } from '../web/locale.js';
import type { CertificateLogin, CertificatePurpose } from './login.js';
import { sendRefusal } from './pages.js';

/** An interaction uid as oidc-provider makes them (nanoid), bounded. */
export const UID = /^[A-Za-z0-9_-]{1,64}$/;

const query = z.object({ purpose: z.enum(['login', 'second_factor']).catch('login') }).catch({ purpose: 'login' as const });

/** Where the issuer's host takes the value back, by purpose. */
export function returnPath(uid: string, purpose: CertificatePurpose): string {
  return purpose === 'login' ? `/interaction/${uid}/certificate` : `/interaction/${uid}/second-factor/certificate`;
}

/** Where a page of the issuer's host sends the browser to present its certificate. */
export function certificateStartUrl(loginUrl: string, uid: string, purpose: CertificatePurpose): string {
  return `${loginUrl}/certificate/${encodeURIComponent(uid)}${purpose === 'login' ? '' : '?purpose=second_factor'}`;
}

export function certificateRouter(deps: { config: Config; render: Renderer; certificate: CertificateLogin }): express.Router {
  const { config, render } = deps;
  const header = config.certificate!.header;
  const router = express.Router();

  router.get('/certificate/:uid', async (req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store');
    const uid = String(req.params.uid);
    const { purpose } = query.parse(req.query);
    const base = expressLocale(req, res, config);
    // the language switch keeps the purpose (the locale helper keeps only the path)
    const l = purpose === 'login' ? base : { ...base, langSwitchUrl: `${base.langSwitchUrl}&purpose=second_factor` };
    if (!UID.test(uid)) {
      res.status(404).type('text/plain').send('Not found');
      return;
    }
    const raw = req.headers[header];
    const outcome = await deps.certificate.verifyPresented({
      uid,
      purpose,
      header: Array.isArray(raw) ? raw.join(',') : raw,
      peer: req.socket.remoteAddress,
      ip: req.ip,
    });
    if (!outcome.ok) return sendRefusal(res, render, l, { reason: outcome.reason, issuer: config.issuer, uid, side: 'certificate' });
    res.redirect(303, `${config.issuer}${returnPath(uid, purpose)}?v=${encodeURIComponent(outcome.value)}`);
  });
  return router;
}
