/**
 * "My account"'s page "Khóa bảo mật và passkey" (/account/security-keys): the person's security
 * keys and passkeys with their names, registering a new one with a name (the browser's part in
 * public/webauthn.js), and removing one after a confirmation. Each change is audited by the
 * WebAuthn use case (src/webauthn/service.ts) with the person as subject and shows in their
 * recent activity. Mounted on My account's router (signed in, CSRF checked on every POST).
 */
import type express from 'express';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { SsoError } from '../domain/errors.js';
import { who, type ConsolePages } from '../console/pages.js';
import { parseForm, parseQuery, queryText, text } from '../web/forms.js';
import { clientFields } from '../util/log-fields.js';
import type { TextKey } from '../web/i18n/index.js';
import type { RefusalReason, WebAuthnService } from '../webauthn/service.js';
import { registrationResponseOf, sendOptions, takeChallengeId, WEBAUTHN_BROWSER_PATH } from '../webauthn/http.js';

const PATH = '/account/security-keys';
const nameForm = z.object({ name: text(200) });
const confirmForm = z.object({ confirm: text(10) });
const idParam = z.string().uuid();
const doneQuery = z.object({ done: queryText(10).transform((d) => (d === 'added' || d === 'removed' || d === 'renamed' ? d : undefined)) });

/** What the page says when a registration is refused. */
const REFUSALS: Partial<Record<RefusalReason, TextKey>> = {
  no_challenge: 'webauthn.error.noChallenge',
  too_many: 'webauthn.error.tooMany',
  invalid_name: 'webauthn.error.name',
  already_registered: 'webauthn.error.exists',
};

export interface SecurityKeyDeps {
  webauthn: WebAuthnService;
  pages: ConsolePages;
  secure: boolean;
}

function context(req: Request) {
  const { ip, userAgent } = clientFields(req);
  return { ip: ip ?? null, userAgent };
}

/** Registers the page's routes on My account's router. */
export function securityKeyRoutes(router: express.Router, deps: SecurityKeyDeps): void {
  const { webauthn, pages } = deps;

  async function show(req: Request, res: Response, opts: { error?: TextKey; name?: string; status?: number } = {}) {
    const me = who(res);
    const l = pages.locale(req, res);
    pages.page(req, res, 'account/security-keys', {
      title: 'webauthn.title',
      nav: 'account',
      status: opts.status,
      keys: await webauthn.list(me.account.id),
      passwordless: webauthn.passwordless,
      error: opts.error ? l.t(opts.error) : undefined,
      done: opts.error ? undefined : parseQuery(doneQuery, req.query).done,
      name: opts.name,
      browserScript: WEBAUTHN_BROWSER_PATH,
    });
  }

  /** POST options: the ceremony's options as JSON, its challenge bound to this browser. */
  async function options(_req: Request, res: Response) {
    const me = who(res);
    sendOptions(res, await webauthn.registrationOptions(me.account), { path: PATH, secure: deps.secure });
  }

  /** POST: the new authenticator, with its name. */
  async function register(req: Request, res: Response) {
    const me = who(res);
    const { name } = parseForm(nameForm, req.body);
    const response = registrationResponseOf(req.body);
    const r = await webauthn.verifyRegistration(me.account.id, takeChallengeId(req, res, PATH), response, name, context(req));
    if (r.ok) return pages.redirect(res, `${PATH}?done=added`);
    return show(req, res, { error: REFUSALS[r.reason] ?? 'webauthn.error.refused', name, status: 400 });
  }

  router.get('/security-keys', (req, res) => show(req, res));
  router.post('/security-keys/options', options);
  router.post('/security-keys', register);
  keyChangeRoutes(router, deps);
}

/** Renaming and removing one of the person's keys. */
function keyChangeRoutes(router: express.Router, deps: SecurityKeyDeps): void {
  const { webauthn, pages } = deps;

  async function target(req: Request, res: Response) {
    const id = idParam.safeParse(req.params.id);
    const key = id.success ? (await webauthn.list(who(res).account.id)).find((k) => k.id === id.data) : undefined;
    if (!key) throw new SsoError('not_found', 'no such security key');
    return key;
  }

  /** GET (or POST without confirm=yes): the question; POST with confirm=yes: removed. */
  async function remove(req: Request, res: Response) {
    const key = await target(req, res);
    const l = pages.locale(req, res);
    if (req.method === 'POST' && parseForm(confirmForm, req.body).confirm === 'yes') {
      await webauthn.remove(who(res).account.id, key.id, context(req));
      return pages.redirect(res, `${PATH}?done=removed`);
    }
    pages.page(req, res, 'admin/confirm', {
      title: 'confirm.webauthnRemove.title',
      nav: 'account',
      question: l.t('confirm.webauthnRemove.question', { name: key.name }),
      action: `${PATH}/${key.id}/remove`,
      back: PATH,
      danger: true,
      alternatives: [],
    });
  }

  /** GET: the rename form; POST: the new name (an empty one asks again). */
  async function rename(req: Request, res: Response) {
    const key = await target(req, res);
    const typed = req.method === 'POST' ? parseForm(nameForm, req.body).name : undefined;
    if (typed !== undefined && (await webauthn.rename(who(res).account.id, key.id, typed, context(req)))) return pages.redirect(res, `${PATH}?done=renamed`);
    const l = pages.locale(req, res);
    pages.page(req, res, 'account/security-key-rename', {
      title: 'webauthn.rename.title', nav: 'account', status: typed === undefined ? 200 : 400,
      key, name: typed ?? key.name, error: typed === undefined ? undefined : l.t('webauthn.error.name'),
    });
  }

  router.get('/security-keys/:id/rename', rename);
  router.post('/security-keys/:id/rename', rename);
  router.get('/security-keys/:id/remove', remove);
  router.post('/security-keys/:id/remove', remove);
}
