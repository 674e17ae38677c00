/**
 * The IT staff's console at /admin: dashboard, accounts, applications, directory sync, login
 * blocks, audit.
 * Only administrators (src/admin/policy.ts) get past the door; every form is a CSRF-checked POST
 * and every change goes through the same services as the `sso` command, recorded in the audit
 * trail with the administrator as the actor. GET never changes anything.
 */
import express from 'express';
import { isAdministrator } from './policy.js';
import type { AdminDeps } from './section.js';
import { dashboardRoutes } from './dashboard.js';
import { accountRoutes } from './accounts.js';
import { clientRoutes } from './clients.js';
import { syncRoutes } from './sync.js';
import { auditRoutes } from './audit.js';
import { throttleRoutes } from './throttle.js';
import { logoUpload } from './client-logo.js';

export type { AdminDeps, AdminServices } from './section.js';

export function adminRouter(deps: AdminDeps): express.Router {
  const { config, pages } = deps;
  const router = express.Router();
  // a multipart form (an application's settings with its logo) is read before the CSRF check
  router.use(pages.form, logoUpload(), pages.signedIn({ isAdmin: (x) => isAdministrator(x.account, config.admin.groups), requireAdmin: true }));
  dashboardRoutes(router, deps);
  accountRoutes(router, deps);
  clientRoutes(router, deps);
  syncRoutes(router, deps);
  throttleRoutes(router, deps);
  auditRoutes(router, deps);
  router.use(pages.errorHandler());
  return router;
}
