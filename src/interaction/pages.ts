/**
 * The pages oidc-provider itself renders (logout confirmation, logged out, protocol errors),
 * drawn with the same templates, language and headers as the interaction pages.
 */
import type { Config } from '../config/load.js';
import type { Logger } from '../util/logger.js';
import type { ProviderDeps } from '../oidc/configuration.js';
import { koaLocale } from '../web/locale.js';
import { protocolErrorPage } from '../web/errors.js';
import type { Renderer } from '../web/render.js';
import { waysOn } from '../web/ways-on.js';
import { askedAlready } from './console-logout.js';

export function providerPages(render: Renderer, config: Config, logger: Logger): ProviderDeps['pages'] {
  const errorPage = protocolErrorPage({ config, render, logger });
  return {
    async logout(ctx, form) {
      const l = koaLocale(ctx, config);
      const clientName = ctx.oidc.client?.clientName;
      ctx.type = 'html';
      // the console's sign-out asked already: the form goes on by itself (./console-logout.ts)
      ctx.body = render.render(askedAlready(ctx) ? 'logout-continue' : 'logout', {
        ...l,
        title: l.t('title.logout'),
        client: clientName ? { name: clientName } : undefined,
        formHtml: form,
        formId: 'op.logoutForm',
      });
    },
    async loggedOut(ctx) {
      const l = koaLocale(ctx, config);
      const client = ctx.oidc.client;
      ctx.type = 'html';
      ctx.body = render.render('logged-out', {
        ...l,
        title: l.t('title.loggedOut'),
        client: client?.clientName ? { name: client.clientName } : undefined,
        next: { ...waysOn({ status: 200 }, client), todo: 'next.loggedOut' },
      });
    },
    async error(ctx, out, error) {
      errorPage(ctx, out, error);
    },
  };
}
