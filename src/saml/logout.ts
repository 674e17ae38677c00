/**
 * Single logout, SP-initiated: a LogoutRequest over HTTP-Redirect or HTTP-POST is checked as an
 * AuthnRequest is (registered and active issuer, the signature over the raw query or the
 * enveloped one, SHA-1 refused; signed whenever the SP's metadata has a signing certificate; our
 * endpoint as Destination, a fresh IssueInstant, an ID never seen before). The sessions it names
 * (SessionIndex, else every session of its NameID at that SP) must have been given that NameID:
 * a NameID of another person gets a RequestDenied LogoutResponse and nothing ends. Each session
 * then ends at the IdP as OpenID Connect's end-session ends one (deprovision's endSession: the
 * OIDC clients get their back-channel logout tokens, the other SAML SPs theirs), and the SP gets
 * a signed LogoutResponse at its registered SingleLogoutService.
 */
import type { AuditRecorder } from '../audit/log.js';
import type { SamlRepository, SamlSessionRow, SamlSpRow } from '../db/repos/saml.js';
import type { SessionRepository } from '../db/repos/sessions.js';
import { freshInstant, SAML_CLOCK_SKEW_MS } from '../domain/saml.js';
import { decode, MAX_RELAY_STATE_BYTES, parse, RequestRefused, signedDocument, type IncomingRequest } from './authn-request.js';
import type { SamlKeyStore } from './keys.js';
import { logoutResponseXml, redirectUrl } from './logout-messages.js';
import { SAML_PATHS, type SloEndpoint } from './metadata.js';
import { STATUS } from './response.js';
import { BINDINGS, child, children, NS, text } from './xml.js';

export type LogoutOutcome =
  | { kind: 'redirect'; url: string }
  | { kind: 'post'; action: string; samlResponse: string; relayState?: string | undefined; app: string }
  /** The SP has no Redirect or POST SingleLogoutService: the person sees the logged-out page. */
  | { kind: 'done'; app: string };

export interface SamlLogoutDeps {
  issuer: string;
  repo: SamlRepository;
  keys: SamlKeyStore;
  sessions: Pick<SessionRepository, 'liveSessions'>;
  /** Ends one IdP session (by its uid) of the account, as OpenID Connect's end-session does. */
  endSession(accountId: string, sessionUid: string, reason: string): Promise<unknown>;
  audit?: AuditRecorder | undefined;
}

function issuerOf(doc: Document): string {
  const root = doc.documentElement!;
  if (root.namespaceURI !== NS.samlp || root.localName !== 'LogoutRequest') throw new RequestRefused('not_logout_request', 'not a samlp:LogoutRequest');
  return text(child(root, NS.saml, 'Issuer'));
}

type Document = ReturnType<typeof parse>;

interface AcceptedLogout {
  sp: SamlSpRow;
  requestId: string;
  nameId: string;
  sessionIndexes: string[];
}

/** Validates a LogoutRequest; throws RequestRefused. Records its ID as seen. */
async function acceptLogoutRequest(req: IncomingRequest, ctx: { repo: SamlRepository; issuer: string; now: Date }): Promise<AcceptedLogout> {
  if (req.relayState !== undefined && Buffer.byteLength(req.relayState, 'utf8') > MAX_RELAY_STATE_BYTES) throw new RequestRefused('relay_state_too_long', 'RelayState over 80 bytes');
  const xml = decode(req);
  const doc = parse(xml);
  const claimed = issuerOf(doc);
  const sp = claimed ? await ctx.repo.byEntityId(claimed) : null;
  if (!sp) throw new RequestRefused('unknown_issuer', 'unknown issuer', claimed.slice(0, 200) || undefined);
  if (sp.status !== 'active') throw new RequestRefused('sp_disabled', 'service provider disabled', sp.entityId);
  // an SP with a signing certificate must sign its LogoutRequests (no one else may end its sessions)
  const signed = signedDocument(req, xml, doc, sp, sp.wantSignedRequests || (JSON.parse(sp.signingCerts) as string[]).length > 0);
  if (issuerOf(signed) !== sp.entityId) throw new RequestRefused('signature_wrapping', 'the signed request names another issuer', sp.entityId);
  const root = signed.documentElement!;
  const id = root.getAttribute('ID') ?? '';
  const refuse = (reason: ConstructorParameters<typeof RequestRefused>[0], message: string) => new RequestRefused(reason, message, sp.entityId);
  if (!/^[A-Za-z_][\w.-]{0,255}$/.test(id) || root.getAttribute('Version') !== '2.0') throw refuse('malformed', 'no valid ID or Version');
  if (root.getAttribute('Destination') !== ctx.issuer + SAML_PATHS.slo) throw refuse('destination', 'Destination is not this endpoint');
  if (!freshInstant(root.getAttribute('IssueInstant') ?? '', ctx.now)) throw refuse('stale', 'IssueInstant outside the allowed clock skew');
  const nameId = text(child(root, NS.saml, 'NameID'));
  if (!nameId || nameId.length > 1024) throw refuse('malformed', 'no NameID (an EncryptedID is not supported)');
  const sessionIndexes = children(root, NS.samlp, 'SessionIndex').map((e) => text(e)).filter(Boolean).slice(0, 20);
  if (!(await ctx.repo.markSeen(sp.entityId, id, new Date(ctx.now.getTime() + 2 * SAML_CLOCK_SKEW_MS)))) throw refuse('replay', 'request ID already used');
  return { sp, requestId: id, nameId, sessionIndexes };
}

/** Where the LogoutResponse goes: the SP's SingleLogoutService of the request's binding, else any front-channel one. */
function responseEndpoint(sp: SamlSpRow, binding: IncomingRequest['binding']): SloEndpoint | undefined {
  const all = (JSON.parse(sp.sloUrls) as SloEndpoint[]).filter((e) => e.binding === BINDINGS.redirect || e.binding === BINDINGS.post);
  const wanted = binding === 'redirect' ? BINDINGS.redirect : BINDINGS.post;
  return all.find((e) => e.binding === wanted) ?? all[0];
}

export function createSamlLogout(deps: SamlLogoutDeps) {
  const { issuer, repo, keys, audit } = deps;

  async function answer(a: AcceptedLogout, req: IncomingRequest, status: { status: string; subStatus?: string }): Promise<LogoutOutcome> {
    const to = responseEndpoint(a.sp, req.binding);
    if (!to) return { kind: 'done', app: a.sp.name };
    const signer = await keys.signer();
    const o = { issuer, destination: to.responseUrl, inResponseTo: a.requestId, now: new Date(), ...status };
    if (to.binding === BINDINGS.redirect) return { kind: 'redirect', url: redirectUrl(to.responseUrl, 'SAMLResponse', logoutResponseXml(o, signer, false), req.relayState, signer) };
    return { kind: 'post', action: to.responseUrl, samlResponse: Buffer.from(logoutResponseXml(o, signer), 'utf8').toString('base64'), relayState: req.relayState, app: a.sp.name };
  }

  return {
    /** A LogoutRequest in; throws RequestRefused (the caller records and shows it). */
    async handle(req: IncomingRequest): Promise<LogoutOutcome> {
      const a = await acceptLogoutRequest(req, { repo, issuer, now: new Date() });
      const found: SamlSessionRow[] = a.sessionIndexes.length
        ? (await Promise.all(a.sessionIndexes.map((sid) => repo.sessionsOf(sid)))).flat().filter((s) => s.spEntityId === a.sp.entityId)
        : await repo.sessionsByNameId(a.sp.entityId, a.nameId);
      if (found.some((s) => s.nameId !== a.nameId)) {
        await audit?.record({ type: 'saml.logout', outcome: 'nameid_mismatch', clientId: a.sp.clientId, detail: { sp: a.sp.entityId, binding: req.binding } });
        return answer(a, req, { status: STATUS.requester, subStatus: STATUS.requestDenied });
      }
      for (const s of found) {
        // the SessionIndex is the sid the SP's linked client was given in the IdP session
        const live = await deps.sessions.liveSessions(s.accountId, new Date());
        const uid = live.find((x) => x.authorizations.some((z) => z.clientId === a.sp.clientId && z.sid === s.sid))?.uid;
        // forgotten first: this SP gets the LogoutResponse, not a SOAP LogoutRequest from the queue
        await repo.forgetSessions([s.sid]);
        if (uid) await deps.endSession(s.accountId, uid, 'saml_logout');
      }
      const subject = found[0]?.accountId ?? null;
      await audit?.record({ type: 'saml.logout', outcome: found.length ? 'success' : 'no_session', subject, clientId: a.sp.clientId, detail: { sp: a.sp.entityId, binding: req.binding, sessions: found.length } });
      return answer(a, req, { status: STATUS.success });
    },
  };
}

export type SamlLogout = ReturnType<typeof createSamlLogout>;
