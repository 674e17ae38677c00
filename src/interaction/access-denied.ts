/**
 * The page of a person an application's access policy does not admit (the `access` prompt,
 * oidc/access-policy.ts): "Không có quyền truy cập ứng dụng {app}", the helpdesk contact, and a
 * way back that sends access_denied to the application's redirect URI. The refusal itself was
 * audited when it was decided (access.denied).
 */
import type { Request, Response } from 'express';
import { SsoError } from '../domain/errors.js';
import { expressLocale } from '../web/locale.js';
import type { Interaction, InteractionDeps, InteractionFlow } from './flow.js';

/** The prompt name oidc/access-policy.ts gives (not imported: interaction does not depend on oidc). */
const ACCESS_PROMPT = 'access';

export function accessDeniedHandlers(deps: InteractionDeps, flow: InteractionFlow) {
  const { config, render } = deps;

  /** The access prompt: the page. */
  async function showRefused(req: Request, res: Response, d: Interaction) {
    const l = expressLocale(req, res, config);
    const app = await flow.clientName(d.params.client_id);
    const accountId = d.session?.accountId;
    const account = accountId ? await deps.accounts.findActive(accountId) : undefined;
    return res.status(403).type('html').send(
      render.render('access-denied', {
        ...l,
        title: l.t('access.title'),
        action: `/interaction/${d.uid}/access-back`,
        csrfToken: flow.csrfFor(req, res, d.uid),
        client: { name: app },
        account: { name: account?.displayName || account?.login || '' },
      }),
    );
  }

  /** POST /interaction/:uid/access-back: back to the application, which receives access_denied. */
  async function goBack(req: Request, res: Response) {
    const d = await flow.details(req, res);
    flow.checkCsrf(req, d.uid);
    if (d.prompt.name !== ACCESS_PROMPT) throw new SsoError('invalid_input', 'access-back posted to another prompt');
    return flow.finish(req, res, { error: 'access_denied', error_description: 'the application does not admit this account (its access policy)' });
  }

  return { showRefused, goBack, prompt: ACCESS_PROMPT };
}
