/**
 * "My account" → Security (/account/security): the person's own second factor. Turn on TOTP
 * (the same enrolment as during the login: QR code, the otpauth:// URI and the key as text, the
 * apps that work, one code to confirm; an administrator's or helpdesk officer's first enrolment
 * also asks for an enrolment code), and make new recovery codes. Recovery codes are shown once,
 * on the answer to the form that made them (never stored in the clear, never in a cookie).
 */
import type express from 'express';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { who, type ConsolePages } from '../console/pages.js';
import { consoleRole } from '../admin/policy.js';
import type { SecondFactorService } from '../second-factor/service.js';
import { qrDataUrl } from '../second-factor/qr.js';
import { groupSecret } from '../domain/second-factor.js';
import { retryAfterMinutes } from '../domain/throttle.js';
import { formatDuration } from '../web/i18n/format.js';
import { parseForm } from '../web/forms.js';
import type { TextKey } from '../web/i18n/index.js';

export interface SecurityDeps {
  secondFactors: SecondFactorService;
  pages: ConsolePages;
  roleGroups: { groups: readonly string[]; helpdeskGroups: readonly string[] };
}

const enrolForm = z.object({ code: z.string().max(40).catch(''), enrol_code: z.string().max(40).catch('') }).catch({ code: '', enrol_code: '' });

const FAILURE_TEXT: Record<string, TextKey> = {
  wrong: 'mfa.error.wrong', reused: 'mfa.error.reused', expired: 'mfa.error.expired', throttled: 'mfa.error.throttled', enrol_code: 'mfa.error.enrolCode',
};

export function securityRoutes(router: express.Router, deps: SecurityDeps): void {
  const { secondFactors: sf, pages } = deps;

  async function show(req: Request, res: Response, extra: { enrol?: boolean; error?: string; codes?: string[] | undefined; enrolledNow?: boolean } = {}) {
    const me = who(res);
    const status = await sf.status(me.account.id);
    const setup = extra.enrol && status.totp !== 'confirmed' ? await sf.totpSetup(me.account) : null;
    pages.page(req, res, 'account/security', {
      title: 'mfa.security.title',
      nav: 'account',
      mfaStatus: status.totp === 'confirmed' ? 'confirmed' : 'none',
      confirmedAt: status.confirmedAt,
      recoveryLeft: status.recoveryLeft,
      setup: setup ? { uri: setup.uri, secret: groupSecret(setup.secret), qr: await qrDataUrl(setup.uri) } : undefined,
      needsEnrolCode: consoleRole(me.account, deps.roleGroups) !== null,
      enrolAction: '/account/security/totp',
      csrfToken: me.csrf,
      error: extra.error,
      codes: extra.codes,
      enrolledNow: extra.enrolledNow ?? false,
      ...(extra.error ? { status: 401 } : {}),
    });
  }

  router.get('/security', (req, res) => show(req, res));
  router.get('/security/totp', (req, res) => show(req, res, { enrol: true }));

  /** POST /account/security/totp: the first code of the new authenticator; the recovery codes shown once. */
  router.post('/security/totp', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const me = who(res);
    const form = parseForm(enrolForm, req.body);
    const outcome = await sf.confirmTotp(me.account, { code: form.code, enrolCode: form.enrol_code }, { ip: req.ip, duringLogin: false });
    if (outcome.kind === 'failed') {
      const l = pages.locale(req, res);
      const error = l.t(FAILURE_TEXT[outcome.reason]!, outcome.until ? { wait: formatDuration(retryAfterMinutes(outcome.until, new Date()) * 60, l.locale) } : undefined);
      return show(req, res, { enrol: true, error });
    }
    return show(req, res, { codes: outcome.kind === 'enrolled' ? outcome.recoveryCodes : undefined, enrolledNow: outcome.kind === 'enrolled' });
  });

  /** POST /account/security/recovery: new recovery codes, the old ones void. */
  router.post('/security/recovery', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const me = who(res);
    const codes = await sf.regenerateRecoveryCodes(me.account, { ip: req.ip });
    return show(req, res, { codes: codes ?? undefined });
  });
}
