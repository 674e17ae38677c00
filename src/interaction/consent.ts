/**
 * The consent page: what the application asks for, in words; allowing saves a grant through the
 * consent use case, declining (or aborting any step) sends access_denied back to the application.
 */
import type { Request, Response } from 'express';
import type { ConsentStep, MissingConsent } from '../consent/grant.js';
import { SsoError } from '../domain/errors.js';
import { expressLocale } from '../web/locale.js';
import { scopeDescription } from '../web/i18n/index.js';
import type { Interaction, InteractionDeps, InteractionFlow } from './flow.js';

/** The consent step of this interaction, as the use case takes it. */
function consentStep(req: Request, d: Interaction): ConsentStep {
  return {
    accountId: d.session!.accountId,
    clientId: String(d.params.client_id),
    grantId: d.grantId,
    missing: d.prompt.details as MissingConsent,
    ip: req.ip ?? null,
  };
}

export function consentHandlers(deps: InteractionDeps, flow: InteractionFlow) {
  const { config, host, render } = deps;

  /** The consent prompt: implied for first-party applications, else the page. */
  async function showConsent(req: Request, res: Response, d: Interaction) {
    const client = await host.provider.Client.find(String(d.params.client_id));
    const implied = await deps.consent.grantIfImplied(consentStep(req, d), client);
    if (implied) return flow.finish(req, res, { consent: { grantId: implied } });
    const l = expressLocale(req, res, config);
    const det = d.prompt.details as MissingConsent;
    const requested = det.missingOIDCScope?.length ? det.missingOIDCScope : String(d.params.scope ?? 'openid').split(' ');
    const account = await deps.accounts.findActive(d.session!.accountId);
    return res.type('html').send(
      render.render('consent', {
        ...l,
        title: l.t('title.consent'),
        action: `/interaction/${d.uid}/confirm`,
        abortAction: `/interaction/${d.uid}/abort`,
        csrfToken: flow.csrfFor(req, res, d.uid),
        client: { name: client?.clientName ?? String(d.params.client_id) },
        account: { displayName: account?.displayName ?? '' },
        scopes: requested.filter((s) => s !== 'openid').map((s) => ({ name: s, description: scopeDescription(l.t, s) })),
      }),
    );
  }

  /** POST /interaction/:uid/confirm: the person allows. */
  async function confirmConsent(req: Request, res: Response) {
    const d = await flow.details(req, res);
    flow.checkCsrf(req, d.uid);
    if (d.prompt.name !== 'consent') throw new SsoError('invalid_input', 'consent posted to a non-consent prompt');
    const grantId = await deps.consent.allow(consentStep(req, d));
    return flow.finish(req, res, { consent: { grantId } });
  }

  /** POST /interaction/:uid/abort: the person declines (or gives up on any step). */
  async function abortInteraction(req: Request, res: Response) {
    const d = await flow.details(req, res);
    flow.checkCsrf(req, d.uid);
    if (d.prompt.name === 'consent') deps.consent.deny({ accountId: d.session?.accountId ?? null, clientId: String(d.params.client_id), ip: req.ip ?? null });
    return flow.finish(req, res, { error: 'access_denied', error_description: 'End-User aborted interaction' });
  }

  return { showConsent, confirmConsent, abortInteraction };
}
