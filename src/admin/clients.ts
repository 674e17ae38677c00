/**
 * The console's applications: the list, registering one (its secret shown once, on a page of
 * its own a reload does not show again), its settings, a new secret, disable, enable and delete
 * (each asking first: ./confirm.ts). Every change ends in a redirect (post/redirect/get); a form
 * with a mistake is drawn again with what was typed and the field marked.
 */
import type express from 'express';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { CLIENT_TYPES, isInternalClient } from '../clients/types.js';
import type { ClientView } from '../clients/service.js';
import { isSsoError, SsoError } from '../domain/errors.js';
import { ClientInputError, type ClientField } from '../clients/problems.js';
import { clientFieldLabel, clientProblemSentence, type Translator } from '../web/i18n/index.js';
import { lines, parseForm, text } from '../web/forms.js';
import { idParam, type AdminDeps } from './section.js';
import { confirmed } from './confirm.js';
import { displayFields, displayInput, logoFields } from './client-logo.js';
import { clientSecretExtras, clientSecretRoutes } from './client-secret.js';
import { clientFieldOf, formErrors, typed, type FieldError } from './form-errors.js';
import { accessFields, accessInput, accessRefusal, typedAccess } from './client-access.js';

/** An application's settings, as the registration and the settings forms send them. */
const clientForm = z.object({
  backchannel_logout_uri: text(2000).transform((v) => v.trim() || null),
  name: text(200),
  redirect_uris: text(20_000).transform(lines),
  post_logout_redirect_uris: text(20_000).transform(lines),
  // a checkbox: absent when unticked, so the settings form turns it off
  release_group_dns: text(5).transform((v) => v === 'on'),
  require_mfa: text(5).transform((v) => v === 'on'),
  ...displayFields,
  ...accessFields,
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
    requireMfa: form.require_mfa,
    ...displayInput(form),
    ...accessInput(form),
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

/** The application form's refusal as the page shows it, each problem worded; null when `err` refuses no input. */
function formRefusal(err: unknown, t: Translator): FieldError[] | null {
  return formErrors(consoleRefusal(accessRefusal(err, t), t), clientFieldOf, t);
}

export function clientRoutes(router: express.Router, deps: AdminDeps): void {
  const { services: s, pages } = deps;
  const page = (id: string) => `/admin/clients/${encodeURIComponent(id)}`;

  /** The list, with the registration form (again with what was typed, when it was refused). */
  async function listClients(req: Request, res: Response, refused?: { errors: FieldError[]; body: unknown }) {
    const clients = await s.clients.list();
    pages.page(req, res, 'admin/clients', {
      title: 'clients.title',
      nav: 'clients',
      status: refused ? 400 : 200,
      clients: clients.map((c) => ({ ...c, internal: isInternalClient(c.client_id) })),
      types: CLIENT_TYPES,
      errors: refused?.errors ?? [],
      values: refused ? { ...typedClient(refused.body), type: typed(refused.body, 'type'), first_party: typed(refused.body, 'first_party') === 'on' } : null,
    });
  }

  async function addClient(req: Request, res: Response) {
    let r: Awaited<ReturnType<typeof s.clients.add>>;
    try {
      const form = parseForm(newClientForm, req.body);
      const input = clientInput(form);
      r = await s.clients.add({ ...input, type: form.type, backchannelLogoutUri: input.backchannelLogoutUri ?? undefined, firstParty: form.first_party });
    } catch (err) {
      const errors = formRefusal(err, pages.locale(req, res).t);
      if (!errors) throw err;
      return listClients(req, res, { errors, body: req.body });
    }
    const flash = { key: 'clients.done.added' as const, params: { name: r.client.name } };
    // the secret is shown once, on a page of its own: a reload of it shows it no more
    if (r.clientSecret) return pages.redirect(res, `${page(r.client.client_id)}/registered`, { ...flash, secret: { clientId: r.client.client_id, secret: r.clientSecret } });
    pages.redirect(res, page(r.client.client_id), { ...flash, also: 'clients.publicNoSecret' });
  }

  async function clientOr404(req: Request) {
    const id = idParam(req, 'id');
    try {
      return await s.clients.get(id);
    } catch {
      throw new SsoError('not_found', 'no such application');
    }
  }

  async function showClient(req: Request, res: Response, refused?: { errors: FieldError[]; body: unknown }) {
    const c = await clientOr404(req);
    pages.page(req, res, 'admin/client', {
      title: 'clients.title',
      nav: 'clients',
      status: refused ? 400 : 200,
      client: c,
      values: refused ? { ...c, ...typedClient(refused.body) } : c,
      errors: refused?.errors ?? [],
      internal: isInternalClient(c.client_id),
      ...clientSecretExtras(req, deps.config.issuer, c),
    });
  }

  async function updateClient(req: Request, res: Response) {
    const c = await clientOr404(req);
    try {
      const form = parseForm(clientForm.extend(logoFields), req.body);
      await s.clients.update(c.client_id, { ...clientInput(form), ...displayInput(form, req) });
    } catch (err) {
      const errors = formRefusal(err, pages.locale(req, res).t);
      if (!errors) throw err;
      return showClient(req, res, { errors, body: req.body });
    }
    pages.redirect(res, page(c.client_id), { key: 'clients.done.updated' });
  }

  router.get('/clients', (req, res) => listClients(req, res));
  router.post('/clients', addClient);
  router.get('/clients/:id', (req, res) => showClient(req, res));
  router.post('/clients/:id', updateClient);

  clientSecretRoutes(router, deps);
  clientActions(router, deps, clientOr404);
}

/**
 * The destructive actions on an application, each asking first (./confirm.ts), and the page
 * that shows a new secret once.
 */
function clientActions(router: express.Router, deps: AdminDeps, load: (req: Request) => Promise<ClientView>): void {
  const s = deps.services;
  const page = (id: string) => `/admin/clients/${encodeURIComponent(id)}`;

  /** GET /admin/clients/:id/registered: the secret a registration left, once (a new secret: ./client-secret.ts). */
  async function showSecret(req: Request, res: Response) {
    const c = await load(req);
    const f = deps.pages.takeFlash(req, res);
    const secret = f?.secret?.clientId === c.client_id ? f.secret.secret : null;
    deps.pages.page(req, res, 'admin/secret', { title: 'clients.secretTitle', nav: 'clients', client: c, secret, flash: f });
  }

  router.get('/clients/:id/registered', showSecret);

  const back = (c: { client_id: string }) => page(c.client_id);
  for (const [action, to] of [['disable', 'disabled'], ['enable', 'active']] as const) {
    confirmed(router, deps, {
      path: `/clients/:id/${action}`,
      nav: 'clients',
      load,
      ask: (c) => ({ key: action === 'disable' ? 'clientDisable' : 'clientEnable', params: { name: c.name }, back: back(c) }),
      async run(c) {
        await s.clients.setStatus(c.client_id, to);
        return { to: page(c.client_id), flash: { key: action === 'disable' ? 'clients.done.disabled' : 'clients.done.enabled' } };
      },
    });
  }
  confirmed(router, deps, {
    path: '/clients/:id/delete',
    nav: 'clients',
    load,
    ask: (c) => ({ key: 'clientDelete', params: { name: c.name }, back: back(c) }),
    async run(c) {
      await s.clients.remove(c.client_id);
      return { to: '/admin/clients', flash: { key: 'clients.done.deleted', params: { name: c.name } } };
    },
  });
}

/** The application fields of a refused form, as the form shows them again. */
function typedClient(body: unknown) {
  return {
    name: typed(body, 'name'),
    redirect_uris: typed(body, 'redirect_uris').split(/\r?\n/),
    post_logout_redirect_uris: typed(body, 'post_logout_redirect_uris').split(/\r?\n/),
    backchannel_logout_uri: typed(body, 'backchannel_logout_uri'),
    release_group_dns: typed(body, 'release_group_dns') === 'on',
    ...typedAccess(body),
    require_mfa: typed(body, 'require_mfa') === 'on',
  };
}
