/**
 * The console's new secret for an application: a page naming the application and the effect,
 * where the administrator picks until when the old secret stays accepted (not at all, 1 day,
 * 7 days, or a date); the POST rotates and redirects to a page that shows the new secret once
 * (a reload rotates nothing and shows nothing). The application page's panel says whether an
 * old secret is still accepted, and until when, with a button to end that now.
 */
import type express from 'express';
import type { Request, Response } from 'express';
import { parse as parseCookie } from 'cookie';
import { z } from 'zod';
import type { ClientView } from '../clients/service.js';
import { isInternalClient, isPublicType } from '../clients/types.js';
import { MAX_SECRET_OVERLAP_DAYS, overlapProblem, parseOverlapUntil, type OverlapProblem } from '../clients/secret-overlap.js';
import { SsoError } from '../domain/errors.js';
import { who } from '../console/pages.js';
import { openSecret, sealSecret } from '../console/secret-once.js';
import { parseForm, text } from '../web/forms.js';
import { integrationValues } from './integration-values.js';
import { done, idParam, type AdminDeps } from './section.js';

const COOKIE = 'sso_new_secret';
/** How long the new secret waits for its page (the redirect follows at once). */
const SHOW_WITHIN_S = 120;
const DAY_MS = 86_400_000;
const CHOICES = ['none', '1d', '7d', 'date'] as const;

const rotateForm = z.object({
  overlap: text(10).pipe(z.enum(CHOICES, { error: `{field} must be one of ${CHOICES.join(', ')}` })),
  overlap_until: text(40),
});

const pathOf = (id: string) => `/admin/clients/${encodeURIComponent(id)}`;

/** The end of the overlap the form asks for, or why it cannot be. */
function overlapEnd(form: z.output<typeof rotateForm>, now: Date): { until: Date | null } | { problem: OverlapProblem | 'missing' } {
  if (form.overlap === 'none') return { until: null };
  if (form.overlap !== 'date') return { until: new Date(now.getTime() + (form.overlap === '1d' ? 1 : 7) * DAY_MS) };
  if (!form.overlap_until.trim()) return { problem: 'missing' };
  const until = parseOverlapUntil(form.overlap_until);
  const problem = until ? overlapProblem(until, now) : 'invalid';
  return problem || !until ? { problem: problem ?? 'invalid' } : { until };
}

/** What the application page shows of its secret and its integration values. */
export function clientSecretExtras(req: Request, issuer: string, c: ClientView) {
  const until = c.overlap_until ? new Date(c.overlap_until) : null;
  return {
    secretPanel: {
      rotatable: !isInternalClient(c.client_id) && !isPublicType(c.type),
      overlapUntil: until && until.getTime() > Date.now() ? until : null,
      done: done(req, ['overlap-ended'] as const),
    },
    integration: integrationValues(issuer, c),
  };
}

export function clientSecretRoutes(router: express.Router, deps: AdminDeps): void {
  const { services: s, pages, config } = deps;
  const cookieBase = { httpOnly: true, sameSite: 'strict' as const, secure: config.issuer.startsWith('https:'), path: '/admin/clients' };
  const bindOf = (res: Response, id: string) => `${who(res).account.id}\0${id}`;

  /** A client with a secret, else 404 (public and internal ones have none to change here). */
  async function confidentialOr404(req: Request): Promise<ClientView> {
    const c = await s.clients.find(idParam(req, 'id'));
    if (!c || isInternalClient(c.client_id) || isPublicType(c.type)) throw new SsoError('not_found', 'no such application with a secret');
    return c;
  }

  function form(req: Request, res: Response, c: ClientView, extra: { status?: number; error?: string; choice?: string; untilText?: string } = {}) {
    pages.page(req, res, 'admin/client-rotate', { title: 'clientSecret.rotateTitle', nav: 'clients', client: c, maxDays: MAX_SECRET_OVERLAP_DAYS, choice: 'none', untilText: '', ...extra });
  }

  router.get('/clients/:id/secret', async (req, res) => form(req, res, await confidentialOr404(req)));

  router.post('/clients/:id/secret', async (req, res) => {
    const c = await confidentialOr404(req);
    const f = parseForm(rotateForm, req.body);
    const end = overlapEnd(f, new Date());
    if ('problem' in end) return form(req, res, c, { status: 400, error: `clientSecret.error.${end.problem}`, choice: f.overlap, untilText: f.overlap_until });
    const secret = await s.clients.rotateSecret(c.client_id, { overlapUntil: end.until });
    res.cookie(COOKIE, sealSecret(config.cookieKeys, bindOf(res, c.client_id), secret, Math.floor(Date.now() / 1000) + SHOW_WITHIN_S), { ...cookieBase, maxAge: SHOW_WITHIN_S * 1000 });
    res.redirect(303, `${pathOf(c.client_id)}/secret/new`);
  });

  router.get('/clients/:id/secret/new', async (req, res) => {
    const c = await confidentialOr404(req);
    const secret = openSecret(config.cookieKeys, bindOf(res, c.client_id), parseCookie(req.headers.cookie ?? '')[COOKIE], Math.floor(Date.now() / 1000));
    res.clearCookie(COOKIE, cookieBase);
    const until = c.overlap_until ? new Date(c.overlap_until) : null;
    pages.page(req, res, 'admin/client-secret-new', { title: 'clientSecret.newTitle', nav: 'clients', client: c, secret, overlapUntil: until && until.getTime() > Date.now() ? until : null });
  });

  router.post('/clients/:id/secret/end-overlap', async (req, res) => {
    const c = await confidentialOr404(req);
    await s.clients.endSecretOverlap(c.client_id);
    res.redirect(303, `${pathOf(c.client_id)}?done=overlap-ended`);
  });
}
