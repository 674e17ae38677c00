/**
 * Consent: what an application asked for and the person has not given yet (oidc-provider's
 * consent prompt says so: missing scopes, claims and resource scopes) is saved as a grant. Asked
 * on the consent page, or implied for the province's own applications; a grant given or denied
 * on the page is logged and recorded in the audit trail.
 */
import { consentImplied } from '../domain/consent.js';
import type { AuditLog } from '../audit/log.js';
import type { Logger } from '../util/logger.js';

/** What oidc-provider's consent prompt says is missing (its prompt details). */
export interface MissingConsent {
  missingOIDCScope?: string[] | undefined;
  missingOIDCClaims?: string[] | undefined;
  missingResourceScopes?: Record<string, string[]> | undefined;
}

/** The part of oidc-provider's Grant a consent needs. */
export interface ConsentGrant {
  addOIDCScope(scope: string): unknown;
  addOIDCClaims(claims: string[]): unknown;
  addResourceScope(resource: string, scope: string): unknown;
  save(): Promise<string>;
}

/** oidc-provider's Grant model (`provider.Grant`). */
export interface GrantModel {
  new (properties: { accountId: string; clientId: string }): ConsentGrant;
  find(id: string): Promise<ConsentGrant | undefined>;
}

/** One consent step of one interaction. */
export interface ConsentStep {
  accountId: string;
  clientId: string;
  /** The grant the interaction has already, to add to. */
  grantId?: string | undefined;
  missing: MissingConsent;
  ip: string | null;
}

export interface ConsentUseCase {
  /** Saves the grant without asking when the application's consent is implied; undefined when the person must be asked. */
  grantIfImplied(step: ConsentStep, client: { readonly [key: string]: unknown } | undefined): Promise<string | undefined>;
  /** The person allowed on the consent page: the grant saved, logged and audited. Returns its id. */
  allow(step: ConsentStep): Promise<string>;
  /** The person declined (recorded in the audit trail). */
  deny(step: { accountId: string | null; clientId: string; ip: string | null }): void;
}

export interface ConsentDeps {
  /** oidc-provider's Grant model, of the provider current at the time of asking (a new key set makes a new provider). */
  grants(): GrantModel;
  logger: Logger;
  audit?: Pick<AuditLog, 'record'> | undefined;
}

export function createConsentUseCase(deps: ConsentDeps): ConsentUseCase {
  const { logger, audit } = deps;

  /** Consent for the scopes and claims the prompt says are missing, saved as a grant. */
  async function save(step: ConsentStep): Promise<string> {
    const Grant = deps.grants();
    const existing = step.grantId ? await Grant.find(step.grantId) : undefined;
    const grant = existing ?? new Grant({ accountId: step.accountId, clientId: step.clientId });
    const m = step.missing;
    if (m.missingOIDCScope?.length) grant.addOIDCScope(m.missingOIDCScope.join(' '));
    if (m.missingOIDCClaims?.length) grant.addOIDCClaims(m.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(m.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
    return grant.save();
  }

  return {
    async grantIfImplied(step, client) {
      // First-party applications of the province: consent is implied, no page.
      return consentImplied(client) ? save(step) : undefined;
    },

    async allow(step) {
      const grantId = await save(step);
      logger.info({ event: 'consent.granted', account: step.accountId, client: step.clientId }, 'consent granted');
      void audit?.record({ type: 'consent', outcome: 'granted', subject: step.accountId, clientId: step.clientId, ip: step.ip, detail: { scopes: step.missing.missingOIDCScope ?? [] } });
      return grantId;
    },

    deny(step) {
      void audit?.record({ type: 'consent', outcome: 'denied', subject: step.accountId, clientId: step.clientId, ip: step.ip });
    },
  };
}
