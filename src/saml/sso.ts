/**
 * The Web Browser SSO profile, IdP side, as one use case in two steps:
 * 1. `start`: an AuthnRequest accepted (authn-request.ts), kept in the database as a pending
 *    request (one-time, short-lived, so any instance may finish it), and the browser sent to an
 *    OpenID Connect authorization of the SP's linked client (ForceAuthn: prompt=login;
 *    IsPassive: prompt=none).
 * 2. `finish`: back at /saml/callback, the code exchanged; the account, auth_time, acr and the
 *    session read from the ID token; the signed Response for the registered ACS URL.
 * An SP's request that cannot be answered with an assertion (NameID policy, IsPassive without
 * a session, access refused) gets a signed error Response at its registered ACS URL.
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { parseAttributes, type AccountRecord } from '../accounts/claims.js';
import type { AccountService } from '../accounts/service.js';
import type { AuditRecorder } from '../audit/log.js';
import type { SamlRepository, SamlSpRow } from '../db/repos/saml.js';
import type { SessionRepository } from '../db/repos/sessions.js';
import { ACR_MFA, meetsAcr, type Acr } from '../domain/authn-level.js';
import { SsoError } from '../domain/errors.js';
import { NAMEID_FORMATS, nameIdValue, releasedAttributes, type NameIdKind, type SamlAttributeName, type SamlSubject } from '../domain/saml.js';
import { acceptAuthnRequest, type AcceptedRequest, type IncomingRequest } from './authn-request.js';
import type { SamlKeyStore } from './keys.js';
import type { SamlRelyingParty } from './relying-party.js';
import { chooseAcs, type AcsEndpoint } from './metadata.js';
import { AUTHN_CONTEXT, errorResponse, newSamlId, signedAssertion, STATUS, successResponse, type ResponseInput } from './response.js';
import { encryptAssertion } from './encrypt.js';

/** How long a pending request waits for its login. */
export const PENDING_TTL_MS = 30 * 60_000;
/** max_age on the internal authorization: only so that the ID token carries auth_time. */
const AUTH_TIME_MAX_AGE = 366 * 86_400;

interface Pending {
  spId: string;
  requestId: string;
  acsUrl: string;
  relayState?: string | undefined;
  nameIdKind: NameIdKind;
  /** The level the SP asked for (RequestedAuthnContext). */
  acr?: Acr | undefined;
  verifier: string;
  nonce: string;
}

export type SsoOutcome =
  | { kind: 'redirect'; url: string; flowId: string }
  | { kind: 'post'; action: string; samlResponse: string; relayState?: string | undefined; app: string };

export interface SamlSsoDeps {
  issuer: string;
  keyEncryptionSecret: string;
  repo: SamlRepository;
  keys: SamlKeyStore;
  accounts: Pick<AccountService, 'findActive'>;
  sessions: Pick<SessionRepository, 'sidOfAccessToken'>;
  rp: SamlRelyingParty;
  /** The linked client's home URL (the RelayState of an IdP-initiated sign-in). */
  homeUrlOf?: ((clientId: string) => Promise<string | null>) | undefined;
  audit?: AuditRecorder | undefined;
}

function subjectOf(a: AccountRecord): SamlSubject {
  const attrs = parseAttributes(a.attributes);
  const org = attrs.organization ?? {};
  return { id: a.id, login: a.login, email: a.email, displayName: a.displayName, givenName: a.givenName, familyName: a.familyName, phoneNumber: a.phoneNumber, department: org.department, organization: org.organization, title: org.title, employeeNumber: org.employeeNumber, groups: attrs.groups };
}

/** The OpenID Connect error at the callback, as a SAML status. */
function statusOf(error: string | undefined): { status: string; subStatus?: string } {
  if (error === 'login_required' || error === 'consent_required' || error === 'interaction_required') return { status: STATUS.responder, subStatus: STATUS.noPassive };
  if (error === 'access_denied') return { status: STATUS.responder, subStatus: STATUS.requestDenied };
  if (error === 'unmet_authentication_requirements') return { status: STATUS.responder, subStatus: STATUS.noAuthnContext };
  return { status: STATUS.responder, subStatus: STATUS.authnFailed };
}

const b64 = (xml: string) => Buffer.from(xml, 'utf8').toString('base64');

/** A signed error Response for the SP's registered ACS URL, audited. */
async function failure(deps: SamlSsoDeps, sp: SamlSpRow, p: { requestId: string; acsUrl: string; relayState?: string | undefined }, s: { status: string; subStatus?: string | undefined }, subject?: string): Promise<SsoOutcome> {
  const xml = errorResponse({ issuer: deps.issuer, acsUrl: p.acsUrl, inResponseTo: p.requestId, now: new Date(), ...s }, await deps.keys.signer());
  await deps.audit?.record({ type: 'saml.response', outcome: (s.subStatus ?? s.status).split(':').pop()!, subject: subject ?? null, clientId: sp.clientId, detail: { sp: sp.entityId, acs: p.acsUrl, status: s.subStatus ?? s.status } });
  return { kind: 'post', action: p.acsUrl, samlResponse: b64(xml), relayState: p.relayState, app: sp.name };
}

/** The signed (and, for an SP with an encryption key, encrypted) assertion for the person the ID token names. */
async function assertion(deps: SamlSsoDeps, nameIdSecret: Buffer, sp: SamlSpRow, p: Pending, tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers): Promise<SsoOutcome> {
  const { issuer, keys, audit } = deps;
  const fail = (...a: Parameters<typeof failure> extends [SamlSsoDeps, ...infer R] ? R : never) => failure(deps, ...a);
  const claims = tokens.claims();
  const account = claims?.sub ? await deps.accounts.findActive(claims.sub) : null;
  if (!claims || !account) return fail(sp, p, { status: STATUS.responder, subStatus: STATUS.authnFailed });
  // the level the SP asked for, checked against the session's (the step-up itself is the OIDC login's)
  if (p.acr && !meetsAcr(typeof claims.acr === 'string' ? claims.acr : undefined, p.acr)) return fail(sp, p, { status: STATUS.responder, subStatus: STATUS.noAuthnContext }, account.id);
  const subject = subjectOf(account);
  const value = nameIdValue(p.nameIdKind, subject, nameIdSecret, sp.entityId, newSamlId);
  if (!value) return fail(sp, p, { status: STATUS.responder, subStatus: STATUS.invalidNameIdPolicy }, account.id);
  const sid = (typeof claims.sid === 'string' ? claims.sid : await deps.sessions.sidOfAccessToken(tokens.access_token, sp.clientId)) ?? newSamlId();
  const authTime = typeof claims.auth_time === 'number' ? new Date(claims.auth_time * 1000) : new Date();
  const input: ResponseInput = {
    issuer,
    spEntityId: sp.entityId,
    acsUrl: p.acsUrl,
    inResponseTo: p.requestId,
    nameId: { format: NAMEID_FORMATS[p.nameIdKind], value },
    authn: { authTime, contextClass: claims.acr === ACR_MFA ? AUTHN_CONTEXT.mfa : AUTHN_CONTEXT.password, sessionIndex: sid },
    attributes: releasedAttributes(subject, JSON.parse(sp.attributes) as SamlAttributeName[]),
    signResponse: sp.signResponse,
    now: new Date(),
  };
  // single logout: which SPs this session entered, under which NameID
  await deps.repo.recordSession({ sid, spEntityId: sp.entityId, accountId: account.id, nameId: value });
  const signer = await keys.signer();
  const encryptFor = (JSON.parse(sp.encryptionCerts) as string[])[0];
  const signedOne = signedAssertion(input, signer);
  const xml = successResponse(input, signer, encryptFor ? await encryptAssertion(signedOne, encryptFor, sp.encryptionMethod) : signedOne);
  await audit?.record({ type: 'saml.response', outcome: 'success', subject: account.id, clientId: sp.clientId, detail: { sp: sp.entityId, acs: p.acsUrl, nameid_format: p.nameIdKind, encrypted: Boolean(encryptFor) } });
  return { kind: 'post', action: p.acsUrl, samlResponse: b64(xml), relayState: p.relayState, app: sp.name };
}

export function createSamlSso(deps: SamlSsoDeps) {
  const { issuer, repo, keys, rp, audit } = deps;
  const nameIdSecret = Buffer.from(hkdfSync('sha256', Buffer.from(deps.keyEncryptionSecret, 'utf8'), Buffer.alloc(0), 'sso-saml persistent nameid v1', 32));
  const fail = (...a: Parameters<typeof failure> extends [SamlSsoDeps, ...infer R] ? R : never) => failure(deps, ...a);

  async function toAuthorization(a: AcceptedRequest, nameIdKind: NameIdKind): Promise<SsoOutcome> {
    const flowId = randomBytes(32).toString('base64url');
    const verifier = oidc.randomPKCECodeVerifier();
    const nonce = oidc.randomNonce();
    const pending: Pending = { spId: a.sp.id, requestId: a.requestId, acsUrl: a.acs.url, relayState: a.relayState, nameIdKind, acr: a.acr ?? undefined, verifier, nonce };
    await repo.putPending(flowId, JSON.stringify(pending), new Date(Date.now() + PENDING_TTL_MS));
    const c = await rp.configuration(a.sp.clientId);
    const prompt = a.isPassive ? 'none' : a.forceAuthn ? 'login' : undefined;
    const url = oidc.buildAuthorizationUrl(c, {
      redirect_uri: rp.redirectUri,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: flowId,
      nonce,
      max_age: String(AUTH_TIME_MAX_AGE),
      // RequestedAuthnContext as an acr request: a session below it gets the second factor now (step-up)
      ...(a.acr ? { acr_values: a.acr } : {}),
      ...(prompt ? { prompt } : {}),
    });
    return { kind: 'redirect', url: rp.publicAuthorizationUrl(url).href, flowId };
  }

  return {
    /** An AuthnRequest in; throws RequestRefused (the caller records and shows it). */
    async start(req: IncomingRequest): Promise<SsoOutcome> {
      const a = await acceptAuthnRequest(req, { repo, issuer, now: new Date() });
      const back = { requestId: a.requestId, acsUrl: a.acs.url, relayState: a.relayState };
      if (!a.nameIdKind) return fail(a.sp, back, { status: STATUS.requester, subStatus: STATUS.invalidNameIdPolicy });
      if (a.acr === null) return fail(a.sp, back, { status: STATUS.requester, subStatus: STATUS.noAuthnContext });
      return toAuthorization(a, a.nameIdKind);
    },

    /**
     * IdP-initiated (the launcher's tile): for an active SP registered with --idp-initiated, the same
     * internal authorization (login, second factor, access policy), then an unsolicited Response
     * (no InResponseTo) to its default ACS with RelayState = its home URL.
     */
    async startIdpInitiated(spId: string): Promise<SsoOutcome> {
      const sp = await repo.byId(spId);
      if (!sp || sp.status !== 'active' || !sp.idpInitiated) throw new SsoError('not_found', 'no SAML application that may be started here', { status: 404, messageKey: 'saml.error.unknownApp' });
      const acs = chooseAcs(JSON.parse(sp.acsUrls) as AcsEndpoint[], {})!;
      const home = (await deps.homeUrlOf?.(sp.clientId)) ?? undefined;
      const accepted: AcceptedRequest = { sp, requestId: '', acs, relayState: home, forceAuthn: false, isPassive: false, nameIdKind: sp.nameIdFormat as NameIdKind, acr: undefined };
      return toAuthorization(accepted, accepted.nameIdKind!);
    },

    /** Back from the authorization: `current` is the callback URL as received, `flowId` its state. */
    async finish(flowId: string, current: URL): Promise<SsoOutcome> {
      const text = await repo.takePending(flowId, new Date());
      const p = text ? (JSON.parse(text) as Pending) : null;
      const sp = p ? await repo.byId(p.spId) : null;
      if (!p || !sp || sp.status !== 'active') throw new SsoError('session_expired', 'SAML sign-in: no such pending request', { messageKey: 'saml.error.expired' });
      let tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
      try {
        tokens = await oidc.authorizationCodeGrant(await rp.configuration(sp.clientId), current, { pkceCodeVerifier: p.verifier, expectedState: flowId, expectedNonce: p.nonce, idTokenExpected: true });
      } catch (err) {
        const e = err as { error?: string };
        if (e.error === 'temporarily_unavailable') throw new SsoError('unavailable', 'SAML sign-in: the IdP is temporarily unavailable');
        return fail(sp, p, statusOf(e.error));
      }
      return assertion(deps, nameIdSecret, sp, p, tokens);
    },
  };
}

export type SamlSso = ReturnType<typeof createSamlSso>;
