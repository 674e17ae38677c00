/**
 * The console's applications: the list, registering one (its secret shown once), its settings,
 * a new secret (./client-secret.ts), disable and enable.
 */
import type express from 'express';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { CLIENT_TYPES, isInternalClient } from '../clients/types.js';
import { SsoError } from '../domain/errors.js';
import { lines, parseForm, text } from '../web/forms.js';
import { done, idParam, type AdminDeps } from './section.js';
import { displayFields, displayInput, logoFields } from './client-logo.js';
import { clientSecretExtras, clientSecretRoutes } from './client-secret.js';

const DONE = ['updated', 'disabled', 'enabled'] as const;

/** An application's settings, as the registration and the settings forms send them. */
const clientForm = z.object({
  backchannel_logout_uri: text(2000).transform((v) => v.trim() || null),
  name: text(200),
  redirect_uris: text(20_000).transform(lines),
  post_logout_redirect_uris: text(20_000).transform(lines),
  // a checkbox: absent when unticked, so the settings form turns it off
  release_group_dns: text(5).transform((v) => v === 'on'),
  ...displayFields,
});

/** Registering one: its settings, its type and whether it is the province's own (consent implied). */
const newClientForm = clientForm.extend({
  type: text(20).pipe(z.enum(CLIENT_TYPES, { error: `{field} must be one of ${CLIENT_TYPES.join(', ')}` })),
  first_party: text(5).transform((v) => v === 'on'),
});

/** The services' input for an application's settings. */
function clientInput(form: z.output<typeof clientForm>) {
  return {
    name: form.name,
    redirectUris: form.redirect_uris,
    postLogoutRedirectUris: form.post_logout_redirect_uris,
    backchannelLogoutUri: form.backchannel_logout_uri,
    releaseGroupDns: form.release_group_dns,
    ...displayInput(form),
  };
}

export function clientRoutes(router: express.Router, deps: AdminDeps): void {
  const { services: s, pages } = deps;

  async function listClients(req: Request, res: Response) {
    const clients = await s.clients.list();
    pages.page(req, res, 'admin/clients', { title: 'clients.title', nav: 'clients', clients: clients.map((c) => ({ ...c, internal: isInternalClient(c.client_id) })), types: CLIENT_TYPES });
  }

  async function addClient(req: Request, res: Response) {
    const form = parseForm(newClientForm, req.body);
    const input = clientInput(form);
    const r = await s.clients.add({ ...input, type: form.type, backchannelLogoutUri: input.backchannelLogoutUri ?? undefined, firstParty: form.first_party });
    pages.page(req, res, 'admin/secret', { title: 'clients.secretTitle', nav: 'clients', client: r.client, secret: r.clientSecret });
  }

  async function clientOr404(req: Request) {
    const id = idParam(req, 'id');
    try {
      return await s.clients.get(id);
    } catch {
      throw new SsoError('not_found', 'no such application');
    }
  }

  async function showClient(req: Request, res: Response) {
    const c = await clientOr404(req);
    pages.page(req, res, 'admin/client', { title: 'clients.title', nav: 'clients', client: c, internal: isInternalClient(c.client_id), done: done(req, DONE), ...clientSecretExtras(req, deps.config.issuer, c) });
  }

  async function updateClient(req: Request, res: Response) {
    const c = await clientOr404(req);
    const form = parseForm(clientForm.extend(logoFields), req.body);
    await s.clients.update(c.client_id, { ...clientInput(form), ...displayInput(form, req) });
    res.redirect(303, `/admin/clients/${encodeURIComponent(c.client_id)}?done=updated`);
  }

  /** POST /admin/clients/:id/{disable,enable}. */
  function setStatus(to: 'disabled' | 'active') {
    return async function changeClient(req: Request, res: Response) {
      const c = await clientOr404(req);
      await s.clients.setStatus(c.client_id, to);
      res.redirect(303, `/admin/clients/${encodeURIComponent(c.client_id)}?done=${to === 'disabled' ? 'disabled' : 'enabled'}`);
    };
  }

  router.get('/clients', listClients);
  router.post('/clients', addClient);
  router.get('/clients/:id', showClient);
  router.post('/clients/:id', updateClient);
  clientSecretRoutes(router, deps);
  router.post('/clients/:id/disable', setStatus('disabled'));
  router.post('/clients/:id/enable', setStatus('active'));
}
