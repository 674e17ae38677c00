/**
 * The pages oidc-provider itself renders (logout confirmation, logged out, protocol errors),
 * drawn with the same templates, language and headers as the interaction pages.
 */
import type { Config } from '../config/load.js';
import type { Logger } from '../util/logger.js';
import type { ProviderDeps } from '../oidc/configuration.js';
import { koaLocale as localeOf } from '../web/locale.js';
import type { Renderer } from '../web/render.js';
import type { MessageKey } from '../web/i18n/index.js';

/** Protocol error codes -> the sentence a person reads. The code itself is shown too. */
function errorMessage(error: string | undefined): MessageKey {
  if (error === 'invalid_request' || error === 'invalid_client' || error === 'invalid_redirect_uri' || error === 'unauthorized_client') return 'error.invalidRequest';
  if (error === 'session_not_found' || error === 'invalid_grant') return 'error.sessionExpired';
  if (error === 'server_error' || error === 'temporarily_unavailable') return 'error.server';
  return 'error.invalidRequest';
}

export function providerPages(render: Renderer, config: Config, logger: Logger): ProviderDeps['pages'] {
  return {
    async logout(ctx, form) {
      const l = localeOf(ctx, config);
      const clientName = ctx.oidc.client?.clientName;
      ctx.type = 'html';
      ctx.body = render.render('logout', {
        ...l,
        title: l.t('title.logout'),
        client: clientName ? { name: clientName } : undefined,
        formHtml: form,
        formId: 'op.logoutForm',
      });
    },
    async loggedOut(ctx) {
      const l = localeOf(ctx, config);
      const clientName = ctx.oidc.client?.clientName;
      ctx.type = 'html';
      ctx.body = render.render('logged-out', { ...l, title: l.t('title.loggedOut'), client: clientName ? { name: clientName } : undefined });
    },
    async error(ctx, out, error) {
      const l = localeOf(ctx, config);
      const status = ctx.status >= 400 ? ctx.status : 400;
      if (status >= 500) logger.error({ error: error.message }, 'protocol error page');
      ctx.type = 'html';
      ctx.status = status;
      ctx.body = render.render('error', {
        ...l,
        title: l.t('title.error'),
        status,
        message: `${l.t(errorMessage(out.error))} (${out.error ?? 'error'}${out.error_description && status < 500 ? `: ${out.error_description}` : ''})`,
      });
    },
  };
}
