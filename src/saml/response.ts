/**
 * The SAML Response: an assertion signed (RSA-SHA256, exclusive C14N), the Response signed too
 * when the SP asked for it, Destination, Recipient, Audience and InResponseTo set exactly; and
 * error Responses (Requester/Responder with a second-level code), signed.
 */
import { randomBytes } from 'node:crypto';
import type { SamlAttribute } from '../domain/saml.js';
import { idpEntityId } from './metadata.js';
import { signXml } from './signature.js';
import { esc, NS } from './xml.js';

/** How long an assertion may be presented, and the clock skew granted to the SP before it. */
export const ASSERTION_TTL_MS = 5 * 60_000;
const SKEW_MS = 60_000;

export const STATUS = {
  success: 'urn:oasis:names:tc:SAML:2.0:status:Success',
  requester: 'urn:oasis:names:tc:SAML:2.0:status:Requester',
  responder: 'urn:oasis:names:tc:SAML:2.0:status:Responder',
  noPassive: 'urn:oasis:names:tc:SAML:2.0:status:NoPassive',
  requestDenied: 'urn:oasis:names:tc:SAML:2.0:status:RequestDenied',
  invalidNameIdPolicy: 'urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy',
  noAuthnContext: 'urn:oasis:names:tc:SAML:2.0:status:NoAuthnContext',
  authnFailed: 'urn:oasis:names:tc:SAML:2.0:status:AuthnFailed',
} as const;

export const AUTHN_CONTEXT = {
  password: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
  mfa: 'https://refeds.org/profile/mfa',
} as const;

export const newSamlId = (): string => `_${randomBytes(20).toString('hex')}`;
const instant = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface Signer {
  privateKeyPem: string;
  certificatePem: string;
}

export interface ResponseInput {
  issuer: string;
  spEntityId: string;
  acsUrl: string;
  inResponseTo: string;
  nameId: { format: string; value: string };
  authn: { authTime: Date; contextClass: string; sessionIndex: string };
  attributes: readonly SamlAttribute[];
  signResponse: boolean;
  now: Date;
}

function attributeStatement(attrs: readonly SamlAttribute[]): string {
  if (!attrs.length) return '';
  const one = (a: SamlAttribute) =>
    `<saml:Attribute Name="${esc(a.name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri" FriendlyName="${esc(a.friendlyName)}">` +
    a.values.map((v) => `<saml:AttributeValue xsi:type="xs:string">${esc(v)}</saml:AttributeValue>`).join('') +
    `</saml:Attribute>`;
  return `<saml:AttributeStatement>${attrs.map(one).join('')}</saml:AttributeStatement>`;
}

/** The InResponseTo attribute (and a space), or nothing for an unsolicited (IdP-initiated) Response. */
const inResponseTo = (id: string) => (id ? `InResponseTo="${esc(id)}" ` : '');

/** The assertion, signed. */
export function signedAssertion(i: ResponseInput, signer: Signer): string {
  const id = newSamlId();
  const until = instant(new Date(i.now.getTime() + ASSERTION_TTL_MS));
  const xml =
    `<saml:Assertion xmlns:saml="${NS.saml}" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="${id}" Version="2.0" IssueInstant="${instant(i.now)}">` +
    `<saml:Issuer>${esc(idpEntityId(i.issuer))}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="${esc(i.nameId.format)}" SPNameQualifier="${esc(i.spEntityId)}">${esc(i.nameId.value)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData ${inResponseTo(i.inResponseTo)}NotOnOrAfter="${until}" Recipient="${esc(i.acsUrl)}"/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${instant(new Date(i.now.getTime() - SKEW_MS))}" NotOnOrAfter="${until}"><saml:AudienceRestriction><saml:Audience>${esc(i.spEntityId)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${instant(i.authn.authTime)}" SessionIndex="${esc(i.authn.sessionIndex)}"><saml:AuthnContext><saml:AuthnContextClassRef>${esc(i.authn.contextClass)}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    attributeStatement(i.attributes) +
    `</saml:Assertion>`;
  return signXml(xml, "/*[local-name(.)='Assertion']", signer);
}

function envelope(o: { issuer: string; acsUrl: string; inResponseTo: string; now: Date; status: string; subStatus?: string | undefined; body: string }): string {
  const sub = o.subStatus ? `<samlp:StatusCode Value="${o.subStatus}"/>` : '';
  return (
    `<samlp:Response xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}" ID="${newSamlId()}" Version="2.0" IssueInstant="${instant(o.now)}" Destination="${esc(o.acsUrl)}" ${inResponseTo(o.inResponseTo).trimEnd()}>` +
    `<saml:Issuer>${esc(idpEntityId(o.issuer))}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="${o.status}">${sub}</samlp:StatusCode></samlp:Status>` +
    o.body +
    `</samlp:Response>`
  );
}

const RESPONSE_PATH = "/*[local-name(.)='Response']";

/** A successful Response: the signed (and, when given, encrypted) assertion; the Response signed when the SP asks. */
export function successResponse(i: ResponseInput, signer: Signer, assertion: string = signedAssertion(i, signer)): string {
  const xml = envelope({ issuer: i.issuer, acsUrl: i.acsUrl, inResponseTo: i.inResponseTo, now: i.now, status: STATUS.success, body: assertion });
  return i.signResponse ? signXml(xml, RESPONSE_PATH, signer) : xml;
}

/** An error Response (no assertion), signed. */
export function errorResponse(o: { issuer: string; acsUrl: string; inResponseTo: string; now: Date; status: string; subStatus?: string | undefined }, signer: Signer): string {
  return signXml(envelope({ ...o, body: '' }), RESPONSE_PATH, signer);
}
