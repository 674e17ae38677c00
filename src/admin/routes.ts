/**
 * The IT staff's console at /admin: dashboard, accounts, helpdesk, applications, directory sync,
 * login blocks, audit.
 * Administrators (src/admin/policy.ts) reach every section; helpdesk officers only the helpdesk
 * section (anything else answers a readable 403, here on the server, whatever links they see).
 * Every form is a CSRF-checked POST and every change goes through the same services as the `sso`
 * command, recorded in the audit trail with the person signed in as the actor. GET never changes
 * anything.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { consoleRole } from './policy.js';
import type { AdminDeps } from './section.js';
import { dashboardRoutes } from './dashboard.js';
import { accountRoutes } from './accounts.js';
import { clientRoutes } from './clients.js';
import { syncRoutes } from './sync.js';
import { auditRoutes } from './audit.js';
import { throttleRoutes } from './throttle.js';
import { logoUpload } from './client-logo.js';
import { helpdeskRoutes } from './helpdesk.js';
import { samlRoutes } from './saml.js';
import { SsoError } from '../domain/errors.js';
import { ACR_MFA } from '../domain/authn-level.js';
import { who } from '../console/pages.js';

export type { AdminDeps, AdminServices } from './section.js';

/** The helpdesk's own paths (an allow-list: express matches routes without case, this does not). */
const HELPDESK_PATH = /^\/helpdesk(?:\/|$)/;

/** Lets a helpdesk officer reach the helpdesk section only: the dashboard sends them there, anything else is a 403. */
function helpdeskOnly(req: Request, res: Response, next: NextFunction): void {
  if (res.locals.role === 'admin' || HELPDESK_PATH.test(req.path)) return next();
  if (req.path === '/' && (req.method === 'GET' || req.method === 'HEAD')) return res.redirect(303, '/admin/helpdesk');
  throw new SsoError('forbidden', 'a helpdesk officer outside the helpdesk section', { messageKey: 'helpdesk.error.forbidden', params: { login: who(res).account.login } });
}

export function adminRouter(deps: AdminDeps): express.Router {
  const { config, pages } = deps;
  const router = express.Router();
  const role = (x: Parameters<typeof consoleRole>[0]) => consoleRole(x, config.admin);
  // a multipart form (an application's settings with its logo) is read before the CSRF check
  router.use(pages.form, logoUpload(), pages.signedIn({ isAdmin: (x) => role(x.account) === 'admin', role: (x) => role(x.account), requireAdmin: true, requireAcr: config.mfa.consoleRequired ? ACR_MFA : undefined }), helpdeskOnly);
  dashboardRoutes(router, deps);
  accountRoutes(router, deps);
  helpdeskRoutes(router, deps);
  clientRoutes(router, deps);
  syncRoutes(router, deps);
  throttleRoutes(router, deps);
  auditRoutes(router, deps);
  samlRoutes(router, deps);
  router.use(pages.errorHandler());
  return router;
}
