/**
 * The SAML side of the logout queue: when a session ends at the IdP (OpenID Connect logout, the
 * console, "log out everywhere", deprovisioning, an SP's own LogoutRequest), the delivery worker
 * (deprovision/delivery-worker.ts) sends each SP with a SOAP SingleLogoutService that the session
 * entered a signed LogoutRequest naming the NameID and SessionIndex it was given at sign-in (the
 * SAML session row stays for the retries; housekeeping removes it after SAML_SESSION_KEEP_MS).
 */
import type { SamlRepository } from '../db/repos/saml.js';
import { NAMEID_FORMATS, type NameIdKind } from '../domain/saml.js';
import type { SamlKeyStore } from './keys.js';
import { logoutRequestXml, soapEnvelope } from './logout-messages.js';

export interface SoapLogoutTarget {
  clientId: string;
  sid: string | null;
  uri: string;
  reason: string;
}

/** The SOAP envelope with the signed LogoutRequest for one queued delivery; throws when the SP or its session is gone. */
export function samlSoapLogout(deps: { issuer: string; repo: SamlRepository; keys: SamlKeyStore }) {
  return async (row: SoapLogoutTarget): Promise<string> => {
    const sp = await deps.repo.byClientId(row.clientId);
    if (!sp) throw new Error('the SAML service provider is no longer registered');
    const session = row.sid ? (await deps.repo.sessionsOf(row.sid)).find((s) => s.spEntityId === sp.entityId) : undefined;
    if (!session) throw new Error('no SAML session recorded for this sid');
    const xml = logoutRequestXml({
      issuer: deps.issuer,
      destination: row.uri,
      spEntityId: sp.entityId,
      nameId: session.nameId,
      nameIdFormat: NAMEID_FORMATS[sp.nameIdFormat as NameIdKind] ?? NAMEID_FORMATS.unspecified,
      sessionIndex: session.sid,
      reason: `urn:oasis:names:tc:SAML:2.0:logout:${/logout/.test(row.reason) ? 'user' : 'admin'}`,
      now: new Date(),
    }, await deps.keys.signer());
    return soapEnvelope(xml);
  };
}
