/**
 * The console's second-factor tools on an account's page (the same use case as `sso account mfa`):
 * reset (asking first: ./confirm.ts) and a one-time enrolment code, shown once in the sealed
 * one-time message of the redirect. Both audited with the person signed in as the actor.
 */
import type express from 'express';
import type { Request, Response } from 'express';
import type { AccountRecord } from '../accounts/claims.js';
import { who } from '../console/pages.js';
import type { AdminDeps } from './section.js';
import { confirmed } from './confirm.js';
import { formatDateTime } from '../web/i18n/format.js';

export function accountMfaRoutes(router: express.Router, deps: AdminDeps, load: (req: Request) => Promise<AccountRecord>): void {
  const s = deps.services;
  const page = (a: { id: string }) => `/admin/accounts/${encodeURIComponent(a.id)}`;
  const by = (res: Response) => `console: ${who(res).account.login}`;
  confirmed(router, deps, {
    path: '/accounts/:id/mfa/reset',
    nav: 'accounts',
    load,
    ask: (a) => ({ key: 'mfaReset', params: { name: a.displayName, login: a.login }, back: page(a) }),
    async run(a, _req, res) {
      await s.secondFactors.reset(a, by(res));
      return { to: page(a), flash: { key: 'mfa.console.resetDone', params: { login: a.login } } };
    },
  });
  router.post('/accounts/:id/mfa/enrol-code', async (req, res) => {
    const a = await load(req);
    const { code, expiresAt } = await s.secondFactors.issueEnrolCode(a, by(res));
    deps.pages.redirect(res, page(a), { key: 'mfa.console.enrolCodeIssued', params: { login: a.login, code, until: formatDateTime(expiresAt) } });
  });
}
