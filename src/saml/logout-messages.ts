/**
 * Single logout messages the IdP sends: a LogoutResponse (to an SP's LogoutRequest) and a
 * LogoutRequest (to an SP, when a session ends at the IdP), signed with the SAML key: enveloped
 * (RSA-SHA256, exclusive C14N) for HTTP-POST and SOAP, over the query octets for HTTP-Redirect.
 */
import { sign } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { idpEntityId } from './metadata.js';
import { newSamlId, STATUS, type Signer } from './response.js';
import { ALGS, signXml } from './signature.js';
import { esc, NS } from './xml.js';

const instant = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A signed LogoutResponse (enveloped signature). */
export function logoutResponseXml(o: { issuer: string; destination: string; inResponseTo: string; now: Date; status?: string; subStatus?: string | undefined }, signer: Signer, signed = true): string {
  const sub = o.subStatus ? `<samlp:StatusCode Value="${o.subStatus}"/>` : '';
  const xml =
    `<samlp:LogoutResponse xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}" ID="${newSamlId()}" Version="2.0" IssueInstant="${instant(o.now)}" Destination="${esc(o.destination)}" InResponseTo="${esc(o.inResponseTo)}">` +
    `<saml:Issuer>${esc(idpEntityId(o.issuer))}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="${o.status ?? STATUS.success}">${sub}</samlp:StatusCode></samlp:Status>` +
    `</samlp:LogoutResponse>`;
  return signed ? signXml(xml, "/*[local-name(.)='LogoutResponse']", signer) : xml;
}

/** A signed LogoutRequest for one SP session (NameID and SessionIndex as given at SSO). */
export function logoutRequestXml(o: { issuer: string; destination: string; spEntityId: string; nameId: string; nameIdFormat: string; sessionIndex: string; reason: string; now: Date }, signer: Signer): string {
  const notAfter = instant(new Date(o.now.getTime() + 5 * 60_000));
  const xml =
    `<samlp:LogoutRequest xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}" ID="${newSamlId()}" Version="2.0" IssueInstant="${instant(o.now)}" Destination="${esc(o.destination)}" NotOnOrAfter="${notAfter}" Reason="${esc(o.reason)}">` +
    `<saml:Issuer>${esc(idpEntityId(o.issuer))}</saml:Issuer>` +
    `<saml:NameID Format="${esc(o.nameIdFormat)}" SPNameQualifier="${esc(o.spEntityId)}">${esc(o.nameId)}</saml:NameID>` +
    `<samlp:SessionIndex>${esc(o.sessionIndex)}</samlp:SessionIndex>` +
    `</samlp:LogoutRequest>`;
  return signXml(xml, "/*[local-name(.)='LogoutRequest']", signer);
}

/** The message in a SOAP 1.1 envelope (the SOAP binding). */
export const soapEnvelope = (xml: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body>${xml.replace(/^<\?xml[^>]*\?>/, '')}</SOAP-ENV:Body></SOAP-ENV:Envelope>`;

/** The HTTP-Redirect binding: DEFLATE, base64, and the RSA-SHA256 signature over the query octets. */
export function redirectUrl(endpoint: string, param: 'SAMLRequest' | 'SAMLResponse', xml: string, relayState: string | undefined, signer: Signer): string {
  const enc = encodeURIComponent;
  let q = `${param}=${enc(deflateRawSync(Buffer.from(xml, 'utf8')).toString('base64'))}`;
  if (relayState !== undefined) q += `&RelayState=${enc(relayState)}`;
  q += `&SigAlg=${enc(ALGS.rsaSha256)}`;
  const signature = sign('sha256', Buffer.from(q, 'utf8'), signer.privateKeyPem).toString('base64');
  return `${endpoint}${endpoint.includes('?') ? '&' : '?'}${q}&Signature=${enc(signature)}`;
}
