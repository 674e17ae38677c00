/**
 * An AuthnRequest, as received over HTTP-Redirect or HTTP-POST, checked before anything is done
 * for it: bounded sizes, no DTD, a bounded inflation, a registered and active issuer, the
 * signature where the SP must sign (over the raw query for Redirect; the enveloped signature for
 * POST, after which only the signed XML is read), our endpoint as Destination, a fresh
 * IssueInstant, a request ID never seen before (in the database, for every instance), an
 * assertion consumer service URL among the registered ones, RelayState within 80 bytes.
 */
import type { Document } from '@xmldom/xmldom';
import { freshInstant, requestedNameIdKind, requiredAcr, SAML_CLOCK_SKEW_MS, type NameIdKind } from '../domain/saml.js';
import type { Acr } from '../domain/authn-level.js';
import type { SamlRepository, SamlSpRow } from '../db/repos/saml.js';
import { chooseAcs, SAML_PATHS, type AcsEndpoint } from './metadata.js';
import { SignatureRefused, verifyRedirectSignature, verifyRootSignature } from './signature.js';
import { BINDINGS, child, children, inflateBase64, MAX_MESSAGE_BYTES, NS, parseXml, text, XmlRefused } from './xml.js';

/** Why a request was refused (the audit event's reason). */
export type RefusalReason =
  | 'too_large' | 'dtd' | 'malformed' | 'inflate' | 'not_authn_request' | 'unknown_issuer' | 'sp_disabled'
  | 'acs_not_registered' | 'binding_unsupported' | 'signature_missing' | 'signature_weak_algorithm' | 'signature_invalid'
  | 'signature_wrapping' | 'destination' | 'stale' | 'replay' | 'relay_state_too_long' | 'not_logout_request' | 'nameid_mismatch';

export class RequestRefused extends Error {
  constructor(readonly reason: RefusalReason, message: string, readonly spEntityId?: string) {
    super(message);
  }
}

export interface IncomingRequest {
  binding: 'redirect' | 'post';
  samlRequest: string;
  relayState?: string | undefined;
  /** The query string exactly as received (Redirect binding), for its signature. */
  rawQuery?: string | undefined;
}

export interface AcceptedRequest {
  sp: SamlSpRow;
  requestId: string;
  acs: AcsEndpoint;
  relayState: string | undefined;
  forceAuthn: boolean;
  isPassive: boolean;
  /** null: the NameIDPolicy asks for a format this SP is not registered for. */
  nameIdKind: NameIdKind | null;
  /** The level the RequestedAuthnContext asks for; null: none this IdP can give (NoAuthnContext). */
  acr: Acr | undefined | null;
}

export const MAX_RELAY_STATE_BYTES = 80;
const MAX_ENCODED = Math.ceil((MAX_MESSAGE_BYTES * 4) / 3) + 4;

export function decode(req: IncomingRequest): string {
  if (req.samlRequest.length > MAX_ENCODED) throw new RequestRefused('too_large', 'SAMLRequest too large');
  try {
    return req.binding === 'redirect' ? inflateBase64(req.samlRequest) : Buffer.from(req.samlRequest, 'base64').toString('utf8');
  } catch (err) {
    if (err instanceof XmlRefused) throw new RequestRefused(err.reason, err.message);
    throw err;
  }
}

export function parse(xml: string): Document {
  try {
    return parseXml(xml);
  } catch (err) {
    if (err instanceof XmlRefused) throw new RequestRefused(err.reason, err.message);
    throw err;
  }
}

const sigReason = (e: SignatureRefused): RefusalReason => (e.reason === 'missing' ? 'signature_missing' : e.reason === 'weak_algorithm' ? 'signature_weak_algorithm' : e.reason === 'wrapping' ? 'signature_wrapping' : 'signature_invalid');

/** Checks the signature where there is one or where the SP must sign; returns the document to read. */
export function signedDocument(req: IncomingRequest, xml: string, doc: Document, sp: SamlSpRow, mustSign = sp.wantSignedRequests): Document {
  const certs = JSON.parse(sp.signingCerts) as string[];
  const redirectSigned = req.binding === 'redirect' && /(^|&)Signature=/.test(req.rawQuery ?? '');
  const postSigned = req.binding === 'post' && !!child(doc.documentElement!, NS.ds, 'Signature');
  try {
    if (req.binding === 'redirect' && (redirectSigned || mustSign)) {
      if (child(doc.documentElement!, NS.ds, 'Signature')) throw new SignatureRefused('wrapping', 'an enveloped signature in a Redirect-binding request');
      verifyRedirectSignature(req.rawQuery ?? '', certs);
      return doc;
    }
    if (req.binding === 'post' && (postSigned || mustSign)) return verifyRootSignature(xml, doc, certs);
  } catch (err) {
    if (err instanceof SignatureRefused) throw new RequestRefused(sigReason(err), err.message, sp.entityId);
    throw err;
  }
  return doc;
}

function readIssuer(doc: Document): string {
  const root = doc.documentElement!;
  if (root.namespaceURI !== NS.samlp || root.localName !== 'AuthnRequest') throw new RequestRefused('not_authn_request', 'not a samlp:AuthnRequest');
  return text(child(root, NS.saml, 'Issuer'));
}

/** Validates an incoming AuthnRequest; throws RequestRefused. Records its ID as seen. */
export async function acceptAuthnRequest(req: IncomingRequest, ctx: { repo: SamlRepository; issuer: string; now: Date }): Promise<AcceptedRequest> {
  if (req.relayState !== undefined && Buffer.byteLength(req.relayState, 'utf8') > MAX_RELAY_STATE_BYTES) throw new RequestRefused('relay_state_too_long', 'RelayState over 80 bytes');
  const xml = decode(req);
  const doc = parse(xml);
  const claimed = readIssuer(doc);
  const sp = claimed ? await ctx.repo.byEntityId(claimed) : null;
  if (!sp) throw new RequestRefused('unknown_issuer', 'unknown issuer', claimed.slice(0, 200) || undefined);
  if (sp.status !== 'active') throw new RequestRefused('sp_disabled', 'service provider disabled', sp.entityId);
  const signed = signedDocument(req, xml, doc, sp);
  if (readIssuer(signed) !== sp.entityId) throw new RequestRefused('signature_wrapping', 'the signed request names another issuer', sp.entityId);
  const root = signed.documentElement!;
  const id = root.getAttribute('ID') ?? '';
  const refuse = (reason: RefusalReason, message: string) => new RequestRefused(reason, message, sp.entityId);
  if (!/^[A-Za-z_][\w.-]{0,255}$/.test(id) || root.getAttribute('Version') !== '2.0') throw refuse('malformed', 'no valid ID or Version');
  if (root.getAttribute('Destination') !== ctx.issuer + SAML_PATHS.sso) throw refuse('destination', 'Destination is not this endpoint');
  if (!freshInstant(root.getAttribute('IssueInstant') ?? '', ctx.now)) throw refuse('stale', 'IssueInstant outside the allowed clock skew');
  const binding = root.getAttribute('ProtocolBinding');
  if (binding && binding !== BINDINGS.post) throw refuse('binding_unsupported', 'only the HTTP-POST binding is answered');
  const url = root.getAttribute('AssertionConsumerServiceURL') || undefined;
  const indexText = root.getAttribute('AssertionConsumerServiceIndex');
  const acs = chooseAcs(JSON.parse(sp.acsUrls) as AcsEndpoint[], { url, index: indexText ? Number(indexText) : undefined });
  if (!acs) throw refuse('acs_not_registered', 'assertion consumer service not registered');
  // seen for twice the skew: a request older than that is refused as stale anyway
  if (!(await ctx.repo.markSeen(sp.entityId, id, new Date(ctx.now.getTime() + 2 * SAML_CLOCK_SKEW_MS)))) throw refuse('replay', 'request ID already used');
  const policy = child(root, NS.samlp, 'NameIDPolicy');
  const context = child(root, NS.samlp, 'RequestedAuthnContext');
  const classes = context ? children(context, NS.saml, 'AuthnContextClassRef').map((c) => text(c)) : [];
  return {
    acr: requiredAcr(classes, context?.getAttribute('Comparison') || null),
    sp,
    requestId: id,
    acs,
    relayState: req.relayState,
    forceAuthn: root.getAttribute('ForceAuthn') === 'true',
    isPassive: root.getAttribute('IsPassive') === 'true',
    nameIdKind: requestedNameIdKind(policy?.getAttribute('Format') || null, sp.nameIdFormat as NameIdKind),
  };
}
