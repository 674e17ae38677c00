/**
 * Every hostile AuthnRequest gets the error page (400) and an audit event, never a login and
 * never an assertion: a DTD, a DEFLATE bomb, an unknown issuer, an unregistered ACS URL, a stale
 * IssueInstant, a replayed ID, a SHA-1 signature, signature wrapping where the SP signs its
 * requests, a missing signature there, a RelayState over 80 bytes, a wrong Destination. The
 * messages are crafted here, signed with the SP's own key (xml-crypto).
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { createSign, randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { SignedXml } from 'xml-crypto';
import { startTestServer, type TestServer } from './helpers/server.js';
import { generateSamlKey } from '../src/saml/keys.js';
import { certBody } from '../src/saml/keys.js';
import { signXml } from '../src/saml/signature.js';

let server: TestServer;
let key: { certificatePem: string; privateKeyPem: string };
const SP = 'https://hoso.tinh.gov.vn/saml';
const ACS = 'https://hoso.tinh.gov.vn/saml/acs';

function spMetadata(cert: string): string {
  return `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${SP}">` +
    `<md:SPSSODescriptor AuthnRequestsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` +
    `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certBody(cert)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
    `<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${ACS}" index="0" isDefault="true"/>` +
    `</md:SPSSODescriptor></md:EntityDescriptor>`;
}

const newId = () => `_${randomBytes(12).toString('hex')}`;

function request(o: { id?: string; issuer?: string; acs?: string; destination?: string; instant?: string; extra?: string } = {}): string {
  return `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${o.id ?? newId()}" Version="2.0" ` +
    `IssueInstant="${o.instant ?? new Date().toISOString()}" Destination="${o.destination ?? `${server.issuer}/saml/sso`}" AssertionConsumerServiceURL="${o.acs ?? ACS}" ` +
    `ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"><saml:Issuer>${o.issuer ?? SP}</saml:Issuer>${o.extra ?? ''}</samlp:AuthnRequest>`;
}

const signed = (xml: string) => signXml(xml, "/*[local-name(.)='AuthnRequest']", key);

function signedSha1(xml: string): string {
  const sig = new SignedXml({ privateKey: key.privateKeyPem, publicCert: key.certificatePem, signatureAlgorithm: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1', canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#' });
  sig.addReference({ xpath: "/*[local-name(.)='AuthnRequest']", digestAlgorithm: 'http://www.w3.org/2000/09/xmldsig#sha1', transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'] });
  sig.computeSignature(xml, { prefix: 'ds', location: { reference: "/*[local-name(.)='AuthnRequest']/*[local-name(.)='Issuer']", action: 'after' } });
  return sig.getSignedXml();
}

/** POST binding. */
function post(xml: string, relayState?: string) {
  const body = new URLSearchParams({ SAMLRequest: Buffer.from(xml).toString('base64'), ...(relayState !== undefined ? { RelayState: relayState } : {}) });
  return fetch(`${server.issuer}/saml/sso`, { method: 'POST', body, redirect: 'manual' });
}

/** Redirect binding, signed over the query as sent (sigAlg and the signing digest chosen by the test). */
function redirect(xml: string | Buffer, o: { sigAlg?: string; digest?: string } = {}) {
  const raw = typeof xml === 'string' ? deflateRawSync(Buffer.from(xml)) : xml;
  let q = `SAMLRequest=${encodeURIComponent(raw.toString('base64'))}`;
  if (o.sigAlg) {
    q += `&SigAlg=${encodeURIComponent(o.sigAlg)}`;
    const s = createSign(o.digest ?? 'sha256');
    s.update(q);
    q += `&Signature=${encodeURIComponent(s.sign(key.privateKeyPem, 'base64'))}`;
  }
  return fetch(`${server.issuer}/saml/sso?${q}`, { redirect: 'manual' });
}

const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';

/** The response was refused with the error page, and the refusal audited with this reason. */
async function expectRefused(res: Response, reason: string) {
  expect(res.status).toBe(400);
  expect(res.headers.get('location')).toBeNull();
  const body = await res.text();
  expect(body).not.toContain('SAMLResponse');
  await server.services.audit.flush();
  const { rows } = await server.services.auditQuery.page({ type: 'saml.request_refused' }, { size: 50 });
  expect(rows[0]?.outcome).toBe(reason); // the newest event first
}

beforeAll(async () => {
  server = await startTestServer();
  key = await generateSamlKey('https://hoso.tinh.gov.vn');
  await server.services.saml.registry.add('hoso', { metadataXml: spMetadata(key.certificatePem), name: 'Hồ sơ' });
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

test('a well-formed signed request goes on to the login (the control case), over POST and Redirect', async () => {
  const res = await post(signed(request()));
  expect(res.status).toBe(302);
  expect(res.headers.get('location')).toContain('/auth?');
  const r2 = await redirect(request(), { sigAlg: RSA_SHA256 });
  expect(r2.status).toBe(302);
  expect(r2.headers.get('location')).toContain('/auth?');
});

test('a DTD (entity expansion, external entities) is refused before parsing', async () => {
  const xml = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>${request({ issuer: '&b;' })}`;
  await expectRefused(await post(xml), 'dtd');
});

test('a DEFLATE bomb is refused at the inflation bound', async () => {
  const bomb = deflateRawSync(Buffer.from(request({ extra: `<!--${' '.repeat(8 * 1024 * 1024)}-->` })), { level: 9 });
  expect(bomb.length).toBeLessThan(12 * 1024);
  await expectRefused(await redirect(bomb), 'too_large');
});

test('an unknown issuer is refused', async () => {
  await expectRefused(await post(request({ issuer: 'https://evil.example/saml' })), 'unknown_issuer');
});

test('an ACS URL that is not registered is refused (no response is sent there)', async () => {
  await expectRefused(await post(signed(request({ acs: 'https://evil.example/acs' }))), 'acs_not_registered');
});

test('a stale IssueInstant is refused', async () => {
  await expectRefused(await post(signed(request({ instant: new Date(Date.now() - 10 * 60_000).toISOString() }))), 'stale');
});

test('a replayed request ID is refused the second time', async () => {
  const xml = signed(request());
  expect((await post(xml)).status).toBe(302);
  await expectRefused(await post(xml), 'replay');
});

test('SHA-1 signatures are refused, enveloped and over the Redirect query', async () => {
  await expectRefused(await post(signedSha1(request())), 'signature_weak_algorithm');
  await expectRefused(await redirect(request(), { sigAlg: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1', digest: 'sha1' }), 'signature_weak_algorithm');
});

test('an unsigned request from an SP that signs its requests is refused', async () => {
  await expectRefused(await post(request()), 'signature_missing');
  await expectRefused(await redirect(request()), 'signature_missing');
});

test('signature wrapping: a signed request moved inside an unsigned one with the same ID is refused', async () => {
  const id = newId();
  const good = signed(request({ id })).replace(/^<\?xml[^>]*>/, '');
  // the attacker's root names its own ACS URL, carries the original signature, and hides the signed element inside
  const sigStart = good.indexOf('<ds:Signature');
  const signature = good.slice(sigStart, good.indexOf('</ds:Signature>') + '</ds:Signature>'.length);
  const evil = request({ id, acs: ACS, extra: `<samlp:Extensions>${good}</samlp:Extensions>` }).replace('</saml:Issuer>', `</saml:Issuer>${signature}`);
  await expectRefused(await post(evil), 'signature_wrapping');
  // a tampered signed request (another ACS URL after signing) does not verify
  const tampered = signed(request({ id: newId() })).replace(`AssertionConsumerServiceURL="${ACS}"`, `AssertionConsumerServiceURL="${ACS}x"`);
  await expectRefused(await post(tampered), 'signature_invalid');
});

test('a RelayState over 80 bytes is refused', async () => {
  await expectRefused(await post(signed(request()), 'x'.repeat(81)), 'relay_state_too_long');
});

test('a Destination other than this endpoint is refused', async () => {
  await expectRefused(await post(signed(request({ destination: 'https://other-idp.example/saml/sso' }))), 'destination');
});

/** Follows the redirects of a SAML login by hand (cookies kept), to the page that posts the Response. */
async function follow(first: Response): Promise<{ action: string; response: string }> {
  const jar = new Map<string, string>();
  let res = first;
  for (let hops = 0; hops < 10; hops++) {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    const location = res.headers.get('location');
    if (!location) break;
    const url = new URL(location, server.issuer);
    res = await fetch(url, { redirect: 'manual', headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
  }
  const html = await res.text();
  const action = /action="([^"]+)"/.exec(html)?.[1] ?? '';
  const value = /name="SAMLResponse" value="([^"]+)"/.exec(html)?.[1] ?? '';
  return { action, response: Buffer.from(value, 'base64').toString('utf8') };
}

test('IsPassive with nobody signed in: a signed NoPassive error Response to the registered ACS URL, no page', async () => {
  const id = newId();
  const xml = signed(request({ id }).replace('Version="2.0"', 'Version="2.0" IsPassive="true"'));
  const out = await follow(await post(xml, 'rs-1'));
  expect(out.action).toBe(ACS);
  expect(out.response).toContain(`InResponseTo="${id}"`);
  expect(out.response).toContain(`Destination="${ACS}"`);
  expect(out.response).toContain('urn:oasis:names:tc:SAML:2.0:status:NoPassive');
  expect(out.response).not.toContain('Assertion');
});

test('a NameIDPolicy the SP is not registered for: an InvalidNameIDPolicy error Response', async () => {
  const xml = signed(request().replace('</saml:Issuer>', '</saml:Issuer><samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"/>'));
  const out = await follow(await post(xml));
  expect(out.action).toBe(ACS);
  expect(out.response).toContain('urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy');
  expect(out.response).not.toContain('Assertion');
});

test('a RequestedAuthnContext no level here can meet: a NoAuthnContext error Response', async () => {
  const ctxXml = '<samlp:RequestedAuthnContext Comparison="exact"><saml:AuthnContextClassRef>urn:example:smartcard</saml:AuthnContextClassRef></samlp:RequestedAuthnContext>';
  const out = await follow(await post(signed(request().replace('</saml:Issuer>', `</saml:Issuer>${ctxXml}`))));
  expect(out.action).toBe(ACS);
  expect(out.response).toContain('urn:oasis:names:tc:SAML:2.0:status:NoAuthnContext');
  expect(out.response).not.toContain('Assertion');
});

test('the callback refuses a flow from another browser (no flow cookie) and a state it does not know', async () => {
  const first = await post(signed(request()));
  const auth = new URL(first.headers.get('location')!);
  const state = auth.searchParams.get('state')!;
  const other = await fetch(`${server.issuer}/saml/callback?state=${state}&code=x`, { redirect: 'manual' });
  expect(other.status).toBe(400);
  expect(await other.text()).not.toContain('SAMLResponse');
});

test('ForceAuthn asks for the password again (prompt=login); IsPassive never shows a page (prompt=none)', async () => {
  const force = await post(signed(request().replace('Version="2.0"', 'Version="2.0" ForceAuthn="true"')));
  expect(new URL(force.headers.get('location')!).searchParams.get('prompt')).toBe('login');
  const passive = await post(signed(request().replace('Version="2.0"', 'Version="2.0" IsPassive="true"')));
  expect(new URL(passive.headers.get('location')!).searchParams.get('prompt')).toBe('none');
  const plain = await post(signed(request()));
  expect(new URL(plain.headers.get('location')!).searchParams.get('prompt')).toBeNull();
});

test('key rotation: the new certificate is in the metadata at once, signs from its activation, the old one stays for the grace', async () => {
  const keys = server.services.saml.keys;
  const before = await keys.signer();
  const later = await keys.rotate({ activateAt: new Date(Date.now() + 60_000), graceSeconds: 3600 });
  expect(later).not.toBeNull();
  expect((await keys.signer()).id).toBe(before.id);
  const md = await (await fetch(`${server.issuer}/saml/metadata`)).text();
  expect(md.match(/<md:KeyDescriptor use="signing">/g)).toHaveLength(2);
  const now = await keys.rotate({ activateAt: new Date(), graceSeconds: 3600 });
  expect((await keys.signer()).id).toBe(now!.id);
  expect(await keys.published()).toHaveLength(3);
});

test('a Redirect query that does not decode is refused, not a server error', async () => {
  const q = `SAMLRequest=${encodeURIComponent(deflateRawSync(Buffer.from(request())).toString('base64'))}&SigAlg=%E0%A4%A&Signature=abc`;
  await expectRefused(await fetch(`${server.issuer}/saml/sso?${q}`, { redirect: 'manual' }), 'signature_invalid');
});

test('oversized parameters are refused with a page, never a login', async () => {
  const big = await fetch(`${server.issuer}/saml/sso`, { method: 'POST', body: new URLSearchParams({ SAMLRequest: 'A'.repeat(300 * 1024) }), redirect: 'manual' });
  expect(big.status).toBeGreaterThanOrEqual(400);
  expect(big.status).toBeLessThan(500);
  expect(big.headers.get('location')).toBeNull();
  await expectRefused(await post(request({ extra: `<!--${'x'.repeat(70 * 1024)}-->` })), 'too_large');
});
