/**
 * Metadata both ways: the IdP's own (`/saml/metadata`, signed, entity ID = issuer + `/saml`, every
 * published certificate, the SSO endpoints, the NameID formats), and a service provider's, read
 * at registration (entity ID, POST assertion consumer services, signing and encryption
 * certificates, the encryption method it names, whether it signs its requests).
 */
import type { Element } from '@xmldom/xmldom';
import { NAMEID_FORMATS } from '../domain/saml.js';
import { certBody } from './keys.js';
import { SignedXml } from 'xml-crypto';
import { ALGS } from './signature.js';
import { BINDINGS, child, children, descendants, esc, MAX_METADATA_BYTES, NS, parseXml, text } from './xml.js';

export const SAML_PATHS = { metadata: '/saml/metadata', sso: '/saml/sso', callback: '/saml/callback', slo: '/saml/slo', idpInitiated: '/saml/idp-initiated' } as const;

export const idpEntityId = (issuer: string): string => `${issuer}/saml`;

/** The IdP's metadata, signed with the current key. */
export function idpMetadata(issuer: string, certificates: readonly string[], signer: { privateKeyPem: string; certificatePem: string }): string {
  const keys = certificates
    .map((c) => `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certBody(c)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`)
    .join('');
  const formats = Object.values(NAMEID_FORMATS).map((f) => `<md:NameIDFormat>${f}</md:NameIDFormat>`).join('');
  const sso = [BINDINGS.redirect, BINDINGS.post].map((b) => `<md:SingleSignOnService Binding="${b}" Location="${esc(issuer + SAML_PATHS.sso)}"/>`).join('');
  const slo = [BINDINGS.redirect, BINDINGS.post].map((b) => `<md:SingleLogoutService Binding="${b}" Location="${esc(issuer + SAML_PATHS.slo)}"/>`).join('');
  const id = `_md${Buffer.from(issuer).toString('hex').slice(0, 16)}`;
  const xml =
    `<md:EntityDescriptor xmlns:md="${NS.md}" xmlns:ds="${NS.ds}" xmlns:saml="${NS.saml}" ID="${id}" entityID="${esc(idpEntityId(issuer))}">` +
    `<md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="${NS.samlp}">${keys}${slo}${formats}${sso}</md:IDPSSODescriptor>` +
    `</md:EntityDescriptor>`;
  return signFirst(xml, signer);
}

/** Enveloped signature as the first child of EntityDescriptor (where the schema puts it). */
function signFirst(xml: string, key: { privateKeyPem: string; certificatePem: string }): string {
  const sig = new SignedXml({ privateKey: key.privateKeyPem, publicCert: key.certificatePem, signatureAlgorithm: ALGS.rsaSha256, canonicalizationAlgorithm: ALGS.excC14n });
  const path = "/*[local-name(.)='EntityDescriptor']";
  sig.addReference({ xpath: path, digestAlgorithm: ALGS.sha256, transforms: [ALGS.enveloped, ALGS.excC14n] });
  sig.computeSignature(xml, { prefix: 'ds', location: { reference: path, action: 'prepend' } });
  return sig.getSignedXml();
}

export interface AcsEndpoint {
  url: string;
  binding: string;
  index: number;
  isDefault: boolean;
}

/** An SP's SingleLogoutService: where LogoutRequests (url) and LogoutResponses (responseUrl) go. */
export interface SloEndpoint {
  binding: string;
  url: string;
  responseUrl: string;
}

/** What registration keeps of an SP's metadata. */
export interface SpMetadata {
  entityId: string;
  acs: AcsEndpoint[];
  signingCerts: string[];
  encryptionCerts: string[];
  encryptionMethod: string | null;
  authnRequestsSigned: boolean;
  nameIdFormats: string[];
  slo: SloEndpoint[];
}

const toPem = (b64: string) => `-----BEGIN CERTIFICATE-----\n${b64.replace(/\s+/g, '').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;

function keyCerts(sp: Element, use: 'signing' | 'encryption'): string[] {
  return children(sp, NS.md, 'KeyDescriptor')
    .filter((k) => !k.getAttribute('use') || k.getAttribute('use') === use)
    .flatMap((k) => descendants(k, NS.ds, 'X509Certificate').map((c) => toPem(text(c))));
}

/** A URL an assertion may be posted to: https, or http on loopback (development and tests). */
function acceptableAcsUrl(u: string): boolean {
  try {
    const url = new URL(u);
    if (url.username || url.password || url.hash) return false;
    return url.protocol === 'https:' || (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname));
  } catch {
    return false;
  }
}

/** Reads an SP's metadata (one EntityDescriptor with an SPSSODescriptor). Throws Error with a readable message. */
export function parseSpMetadata(xml: string): SpMetadata {
  const doc = parseXml(xml, MAX_METADATA_BYTES);
  const root = doc.documentElement!;
  if (root.namespaceURI !== NS.md || root.localName !== 'EntityDescriptor') throw new Error('the metadata must be one md:EntityDescriptor');
  const entityId = root.getAttribute('entityID') ?? '';
  if (!entityId || entityId.length > 1024) throw new Error('the metadata has no entityID');
  const sp = child(root, NS.md, 'SPSSODescriptor');
  if (!sp) throw new Error('the metadata has no SPSSODescriptor');
  const acs = children(sp, NS.md, 'AssertionConsumerService')
    .filter((a) => a.getAttribute('Binding') === BINDINGS.post)
    .map((a, i) => ({ url: a.getAttribute('Location') ?? '', binding: BINDINGS.post as string, index: Number(a.getAttribute('index') ?? i), isDefault: a.getAttribute('isDefault') === 'true' }));
  if (!acs.length) throw new Error('the metadata has no AssertionConsumerService with the HTTP-POST binding');
  const bad = acs.find((a) => !acceptableAcsUrl(a.url));
  if (bad) throw new Error(`assertion consumer service URL refused (https only, or http on loopback): ${bad.url}`);
  const slo = children(sp, NS.md, 'SingleLogoutService')
    .map((e) => ({ binding: e.getAttribute('Binding') ?? '', url: e.getAttribute('Location') ?? '', responseUrl: e.getAttribute('ResponseLocation') || (e.getAttribute('Location') ?? '') }))
    .filter((e) => ([BINDINGS.redirect, BINDINGS.post, BINDINGS.soap] as string[]).includes(e.binding));
  const badSlo = slo.find((e) => !acceptableAcsUrl(e.url) || !acceptableAcsUrl(e.responseUrl));
  if (badSlo) throw new Error(`single logout service URL refused (https only, or http on loopback): ${badSlo.url}`);
  const encKd = children(sp, NS.md, 'KeyDescriptor').find((k) => k.getAttribute('use') === 'encryption' || !k.getAttribute('use'));
  const method = encKd ? children(encKd, NS.md, 'EncryptionMethod').map((m) => m.getAttribute('Algorithm') ?? '').find(Boolean) ?? null : null;
  return {
    entityId,
    acs,
    signingCerts: keyCerts(sp, 'signing'),
    encryptionCerts: keyCerts(sp, 'encryption'),
    encryptionMethod: method,
    authnRequestsSigned: sp.getAttribute('AuthnRequestsSigned') === 'true',
    nameIdFormats: children(sp, NS.md, 'NameIDFormat').map((n) => text(n)),
    slo,
  };
}

/** The ACS an assertion goes to: the requested URL if registered, else by index, else the default. Null: not registered. */
export function chooseAcs(acs: readonly AcsEndpoint[], requested: { url?: string | undefined; index?: number | undefined }): AcsEndpoint | null {
  if (requested.url !== undefined) return acs.find((a) => a.url === requested.url) ?? null;
  if (requested.index !== undefined) return acs.find((a) => a.index === requested.index) ?? null;
  return acs.find((a) => a.isDefault) ?? [...acs].sort((a, b) => a.index - b.index)[0] ?? null;
}
