/**
 * The page of each refusal of the certificate login (the certificate host's and the issuer's
 * alike): what happened in words, Vietnamese first, and the ways on (back to the interaction's
 * login page, sign in again, the helpdesk contact). No dead end, no certificate content shown.
 */
import type { Response } from 'express';
import type { Renderer } from '../web/render.js';
import type { PageLocale } from '../web/locale.js';
import type { CertificateKey } from '../web/i18n/index.js';
import { START_OVER_URL } from '../web/ways-on.js';
import type { PresentedRefusal, ReturnRefusal } from './login.js';

/** Each refusal's sentence. */
export const REFUSAL_TEXT: Record<PresentedRefusal | ReturnRefusal, CertificateKey> = {
  no_certificate: 'cert.error.no_certificate',
  untrusted_header: 'cert.error.untrusted_header',
  malformed: 'cert.error.malformed',
  foreign_ca: 'cert.error.foreign_ca',
  expired: 'cert.error.expired',
  not_yet_valid: 'cert.error.not_yet_valid',
  revoked: 'cert.error.revoked',
  crl_unavailable: 'cert.error.crl_unavailable',
  no_account: 'cert.error.no_account',
  ambiguous_account: 'cert.error.ambiguous_account',
  account_inactive: 'cert.error.account_inactive',
  not_first_factor: 'cert.error.not_first_factor',
  directory_unavailable: 'cert.error.directory_unavailable',
  invalid: 'cert.error.invalid',
  replayed: 'cert.error.replayed',
  wrong_interaction: 'cert.error.wrong_interaction',
};

/** The status of each refusal: 400 for what the request lacked, 403 for a certificate refused, 503 for a stale CRL. */
export function refusalStatus(reason: PresentedRefusal | ReturnRefusal): number {
  if (reason === 'crl_unavailable' || reason === 'directory_unavailable') return 503;
  if (reason === 'no_certificate' || reason === 'malformed' || reason === 'invalid' || reason === 'wrong_interaction') return 400;
  return 403;
}

/**
 * Sends the refusal's page. `side`: on the issuer's host a returned value's `expired` means the
 * value's minute passed (not the certificate).
 */
export function sendRefusal(res: Response, render: Renderer, l: PageLocale, o: { reason: PresentedRefusal | ReturnRefusal; issuer: string; uid: string; side: 'certificate' | 'issuer' }): void {
  const key: CertificateKey = o.side === 'issuer' && o.reason === 'expired' ? 'cert.error.return_expired' : REFUSAL_TEXT[o.reason];
  const status = refusalStatus(o.reason);
  res.status(status).set('Cache-Control', 'no-store').type('html').send(render.render('error', {
    ...l,
    title: l.t('cert.title'),
    status,
    message: l.t(key),
    code: `cert_${o.reason}`,
    next: { todo: status === 503 ? 'next.unavailable' : 'next.forbidden', back: { url: `${o.issuer}/interaction/${encodeURIComponent(o.uid)}`, name: l.t('cert.loginPage') }, startOver: `${o.issuer}${START_OVER_URL}` },
  }));
}
