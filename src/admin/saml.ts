/**
 * The console's SAML applications (/admin/saml), read-only: the values to configure in an SP
 * and the registered SPs, each linked to its client page (access policy, home URL, logo).
 * Registration stays with `sso saml` (the SP's metadata file is read on the server).
 */
import type express from 'express';
import type { Request, Response } from 'express';
import type { AdminDeps } from './section.js';

export function samlRoutes(router: express.Router, deps: AdminDeps): void {
  const { services: s, pages, config } = deps;
  router.get('/saml', async (req: Request, res: Response) => {
    const sps = s.saml ? await s.saml.registry.list() : [];
    pages.page(req, res, 'admin/saml', {
      title: 'saml.console.title',
      nav: 'clients',
      values: { metadata: `${config.issuer}/saml/metadata`, entityId: `${config.issuer}/saml`, sso: `${config.issuer}/saml/sso` },
      sps,
    });
  });
}
