/**
 * The certificate login's return to the issuer's host (src/certificate/): GET
 * /interaction/:uid/certificate?v=… takes the signed value the certificate host issued for this
 * interaction, once, and, where CERT_FIRST_FACTOR allows it, finishes the login with amr ['sc'].
 * A refused value gets its page.
 */
import type { Request, Response } from 'express';
import { z } from 'zod';
import { acrOf, withMethod } from '../domain/authn-level.js';
import { SsoError } from '../domain/errors.js';
import { expressLocale } from '../web/locale.js';
import type { CertificateLogin } from '../certificate/login.js';
import { sendRefusal } from '../certificate/pages.js';
import type { InteractionDeps, InteractionFlow } from './flow.js';

const returnQuery = z.object({ v: z.string().min(1).max(4096) });

export function certificateReturnHandler(deps: InteractionDeps & { certificate: CertificateLogin }, flow: InteractionFlow) {
  return async function certificateReturn(req: Request, res: Response) {
    res.set('Cache-Control', 'no-store');
    const d = await flow.details(req, res);
    if (d.prompt.name !== 'login' && d.prompt.name !== 'select_account') throw new SsoError('invalid_input', 'certificate return to a non-login prompt');
    const q = returnQuery.safeParse(req.query);
    if (!q.success) throw new SsoError('invalid_input', 'certificate return without its value');
    const r = await deps.certificate.consumeCertificateReturn(d.uid, q.data.v, 'login', { ip: req.ip, clientId: String(d.params.client_id) });
    if (!r.ok) return sendRefusal(res, deps.render, expressLocale(req, res, deps.config), { reason: r.reason, issuer: deps.config.issuer, uid: d.uid, side: 'issuer' });
    const amr = withMethod([], 'sc');
    return flow.finish(req, res, { login: { accountId: r.accountId, amr, acr: acrOf(amr), remember: false }, ...(d.prompt.name === 'select_account' ? { select_account: {} } : {}) });
  };
}
