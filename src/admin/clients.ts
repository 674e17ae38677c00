/**
 * The console's applications: the list, registering one (its secret shown once), its settings,
 * a new secret, disable and enable.
 */
import type express from 'express';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { CLIENT_TYPES, isInternalClient } from '../clients/types.js';
import { isSsoError, SsoError } from '../domain/errors.js';
import { ClientInputError, type ClientField } from '../clients/problems.js';
import { clientFieldLabel, clientProblemSentence, type Translator } from '../web/i18n/index.js';
import { lines, parseForm, text } from '../web/forms.js';
import { done, idParam, type AdminDeps } from './section.js';

const DONE = ['updated', 'disabled', 'enabled'] as const;

/** An application's settings, as the registration and the settings forms send them. */
const clientForm = z.object({
  backchannel_logout_uri: text(2000).transform((v) => v.trim() || null),
  name: text(200),
  redirect_uris: text(20_000).transform(lines),
  post_logout_redirect_uris: text(20_000).transform(lines),
  // a checkbox: absent when unticked, so the settings form turns it off
  release_group_dns: text(5).transform((v) => v === 'on'),
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
  };
}

const FORM_FIELDS: readonly string[] = ['type', 'client_id', 'name', 'redirect_uris', 'post_logout_redirect_uris', 'backchannel_logout_uri'] satisfies ClientField[];

/**
 * A refusal of the application form, worded for the console: each problem a sentence naming its
 * form field (never a command-line option); other errors pass unchanged.
 */
export function consoleRefusal(err: unknown, t: Translator): unknown {
  if (err instanceof ClientInputError) {
    return new SsoError('invalid_input', err.message, { field: err.field, params: { detail: err.problems.map((p) => clientProblemSentence(p, t)).join(' ') } });
  }
  if (isSsoError(err, 'invalid_input') && err.field && FORM_FIELDS.includes(err.field)) {
    const field = clientFieldLabel(err.field as ClientField, t);
    return new SsoError('invalid_input', err.message, { field: err.field, params: { detail: t('clients.problem.field_invalid', { field }) } });
  }
  return err;
}

export function clientRoutes(router: express.Router, deps: AdminDeps): void {
  const { services: s, pages } = deps;

  /** Runs `work` (the form's parsing and the service's call); its refusal worded for the console. */
  async function worded<T>(req: Request, res: Response, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw consoleRefusal(err, pages.locale(req, res).t);
    }
  }

  async function listClients(req: Request, res: Response) {
    const clients = await s.clients.list();
    pages.page(req, res, 'admin/clients', { title: 'clients.title', nav: 'clients', clients: clients.map((c) => ({ ...c, internal: isInternalClient(c.client_id) })), types: CLIENT_TYPES });
  }

  async function addClient(req: Request, res: Response) {
    const r = await worded(req, res, () => {
      const form = parseForm(newClientForm, req.body);
      const input = clientInput(form);
      return s.clients.add({ ...input, type: form.type, backchannelLogoutUri: input.backchannelLogoutUri ?? undefined, firstParty: form.first_party });
    });
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
    pages.page(req, res, 'admin/client', { title: 'clients.title', nav: 'clients', client: c, internal: isInternalClient(c.client_id), done: done(req, DONE) });
  }

  async function updateClient(req: Request, res: Response) {
    const c = await clientOr404(req);
    await worded(req, res, () => s.clients.update(c.client_id, clientInput(parseForm(clientForm, req.body))));
    res.redirect(303, `/admin/clients/${encodeURIComponent(c.client_id)}?done=updated`);
  }

  async function rotateSecret(req: Request, res: Response) {
    const c = await clientOr404(req);
    const secret = await s.clients.rotateSecret(c.client_id);
    pages.page(req, res, 'admin/secret', { title: 'clients.secretTitle', nav: 'clients', client: c, secret });
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
  router.post('/clients/:id/rotate', rotateSecret);
  router.post('/clients/:id/disable', setStatus('disabled'));
  router.post('/clients/:id/enable', setStatus('active'));
}
