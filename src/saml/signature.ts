/**
 * XML signatures, both ways. Signing: RSA-SHA256, exclusive C14N, enveloped, after the Issuer.
 * Checking: only RSA with SHA-256 or stronger (SHA-1 refused), one reference, to the root
 * element by its ID, exactly one element with that ID in the document, and then only the XML the
 * signature covers is read (xml-crypto's signed references, parsed again), never the original
 * document: a signed element moved elsewhere and an unsigned one put in its place (signature
 * wrapping) is never what is read. The Redirect binding's signature is over the raw query octets
 * as received.
 */
import { createPublicKey, verify as verifyRaw } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import type { Document, Element } from '@xmldom/xmldom';
import { children, elementsWithId, NS, parseXml, XmlRefused } from './xml.js';

export const ALGS = {
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  enveloped: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
} as const;

/** Signature algorithms accepted on input (URI -> Node's digest name). SHA-1 is not among them. */
export const ACCEPTED_SIGNATURE_ALGS: Record<string, string> = {
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256': 'sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384': 'sha384',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512': 'sha512',
};
const ACCEPTED_DIGESTS = new Set(['http://www.w3.org/2001/04/xmlenc#sha256', 'http://www.w3.org/2001/04/xmldsig-more#sha384', 'http://www.w3.org/2001/04/xmlenc#sha512']);

export class SignatureRefused extends Error {
  constructor(readonly reason: 'missing' | 'weak_algorithm' | 'invalid' | 'wrapping', message: string) {
    super(message);
  }
}

/**
 * Signs the element of `xml` whose local name is `local` and which is the root or a child of the
 * root (`path`, an XPath), placing the signature right after its Issuer.
 */
export function signXml(xml: string, path: string, key: { privateKeyPem: string; certificatePem: string }): string {
  const sig = new SignedXml({ privateKey: key.privateKeyPem, publicCert: key.certificatePem, signatureAlgorithm: ALGS.rsaSha256, canonicalizationAlgorithm: ALGS.excC14n });
  sig.addReference({ xpath: path, digestAlgorithm: ALGS.sha256, transforms: [ALGS.enveloped, ALGS.excC14n] });
  sig.computeSignature(xml, { prefix: 'ds', location: { reference: `${path}/*[local-name(.)='Issuer']`, action: 'after' } });
  return sig.getSignedXml();
}

function attr(el: Element | undefined, name: string): string {
  return el?.getAttribute(name) ?? '';
}

/**
 * Checks the enveloped signature of `doc`'s root against one of `certs` and returns the signed
 * root, parsed again from exactly what the signature covers. Throws SignatureRefused.
 */
export function verifyRootSignature(xml: string, doc: Document, certs: readonly string[]): Document {
  const root = doc.documentElement!;
  const sigs = children(root, NS.ds, 'Signature');
  if (sigs.length !== 1) throw new SignatureRefused(sigs.length ? 'wrapping' : 'missing', `${sigs.length} signatures on the root element`);
  const sigEl = sigs[0]!;
  const method = attr(sigEl.getElementsByTagNameNS(NS.ds, 'SignatureMethod')[0] as Element | undefined, 'Algorithm');
  const digests = (Array.from(sigEl.getElementsByTagNameNS(NS.ds, 'DigestMethod')) as Element[]).map((d) => attr(d, 'Algorithm'));
  if (!ACCEPTED_SIGNATURE_ALGS[method] || !digests.length || digests.some((d) => !ACCEPTED_DIGESTS.has(d))) throw new SignatureRefused('weak_algorithm', `signature algorithm refused: ${method} ${digests.join(' ')}`);
  const refs = sigEl.getElementsByTagNameNS(NS.ds, 'Reference');
  const id = root.getAttribute('ID') ?? '';
  if (refs.length !== 1 || !id || attr(refs[0] as Element, 'URI') !== `#${id}`) throw new SignatureRefused('wrapping', 'the signature does not reference the root element');
  if (elementsWithId(doc, id).length !== 1) throw new SignatureRefused('wrapping', 'more than one element with the signed ID');
  for (const cert of certs) {
    const sx = new SignedXml({ publicCert: cert, getCertFromKeyInfo: () => null });
    sx.loadSignature(sigEl as unknown as Parameters<typeof sx.loadSignature>[0]);
    let ok = false;
    try {
      ok = sx.checkSignature(xml);
    } catch {
      ok = false;
    }
    if (!ok) continue;
    const signed = sx.getSignedReferences();
    if (signed.length !== 1) throw new SignatureRefused('wrapping', 'not exactly one signed reference');
    let again: Document;
    try {
      again = parseXml(signed[0]!);
    } catch (err) {
      if (err instanceof XmlRefused) throw new SignatureRefused('invalid', err.message);
      throw err;
    }
    const r = again.documentElement!;
    if (r.localName !== root.localName || r.namespaceURI !== root.namespaceURI || r.getAttribute('ID') !== id) throw new SignatureRefused('wrapping', 'the signed element is not the root element');
    return again;
  }
  throw new SignatureRefused('invalid', 'the signature does not verify with the registered certificates');
}

/**
 * The HTTP-Redirect binding's signature: over `SAMLRequest=..&RelayState=..&SigAlg=..` exactly as
 * the octets arrived in the query (not decoded and encoded again). Throws SignatureRefused.
 */
export function verifyRedirectSignature(rawQuery: string, certs: readonly string[]): void {
  const parts = new Map<string, string>();
  for (const p of rawQuery.split('&')) {
    const eq = p.indexOf('=');
    const k = eq === -1 ? p : p.slice(0, eq);
    if (parts.has(k)) throw new SignatureRefused('invalid', `query parameter ${k} repeated`);
    parts.set(k, p);
  }
  const decode = (v: string) => {
    try {
      return decodeURIComponent(v.replace(/\+/g, ' '));
    } catch {
      throw new SignatureRefused('invalid', 'badly encoded query parameter');
    }
  };
  const sigAlg = decode((parts.get('SigAlg') ?? '').slice('SigAlg='.length));
  const signature = parts.get('Signature');
  if (!signature || !parts.has('SigAlg')) throw new SignatureRefused('missing', 'no Signature and SigAlg in the query');
  const digest = ACCEPTED_SIGNATURE_ALGS[sigAlg];
  if (!digest) throw new SignatureRefused('weak_algorithm', `signature algorithm refused: ${sigAlg}`);
  const signedOctets = ['SAMLRequest', 'RelayState', 'SigAlg'].map((k) => parts.get(k)).filter((v): v is string => v !== undefined).join('&');
  const sig = Buffer.from(decode(signature.slice('Signature='.length)), 'base64');
  for (const cert of certs) {
    if (verifyRaw(digest, Buffer.from(signedOctets, 'utf8'), createPublicKey(cert), sig)) return;
  }
  throw new SignatureRefused('invalid', 'the Redirect signature does not verify with the registered certificates');
}
