/**
 * What an application's developers configure to sign in through this IdP: the issuer, the
 * discovery document, the client_id, the endpoints, the URIs registered for it and how it
 * authenticates at the token endpoint. Shown on the console's application page, to copy. Pure.
 */
import { ROUTES } from '../oidc/routes.js';
import type { ClientView } from '../clients/service.js';
import { isPublicType } from '../clients/types.js';

export interface IntegrationValue {
  /** The catalogue key of its label (integration.<name>). */
  name: string;
  values: string[];
}

export function integrationValues(issuer: string, c: ClientView): IntegrationValue[] {
  const base = issuer.replace(/\/+$/, '');
  const at = (path: string) => `${base}${path}`;
  const service = c.type === 'service';
  const rows: [string, string[]][] = [
    ['issuer', [issuer]],
    ['discovery', [at('/.well-known/openid-configuration')]],
    ['clientId', [c.client_id]],
    ['authMethod', [isPublicType(c.type) ? 'none' : 'client_secret_basic']],
    ['token', [at(ROUTES.token)]],
    ['jwks', [at(ROUTES.jwks)]],
  ];
  if (!service) {
    rows.splice(4, 0, ['authorization', [at(ROUTES.authorization)]]);
    rows.push(
      ['userinfo', [at(ROUTES.userinfo)]],
      ['endSession', [at(ROUTES.end_session)]],
      ['redirectUris', c.redirect_uris],
      ['postLogoutUris', c.post_logout_redirect_uris],
      ['backchannel', c.backchannel_logout_uri ? [c.backchannel_logout_uri] : []],
    );
  }
  return rows.map(([name, values]) => ({ name, values }));
}
