/**
 * Hostile XML in, safe DOM out: a size bound, no DOCTYPE or ENTITY at all (refused before
 * parsing, so no entity expansion and no external entity can happen), a bounded DEFLATE
 * inflation for the Redirect binding, strict parsing (a malformed document is an error), and
 * element lookups by namespace.
 */
import { inflateRawSync } from 'node:zlib';
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';

export const NS = {
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  md: 'urn:oasis:names:tc:SAML:2.0:metadata',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  xenc: 'http://www.w3.org/2001/04/xmlenc#',
} as const;

export const BINDINGS = {
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
  soap: 'urn:oasis:names:tc:SAML:2.0:bindings:SOAP',
} as const;

/** The largest SAML message accepted (after inflation), and the largest metadata document. */
export const MAX_MESSAGE_BYTES = 64 * 1024;
export const MAX_METADATA_BYTES = 1024 * 1024;

export class XmlRefused extends Error {
  constructor(readonly reason: 'too_large' | 'dtd' | 'malformed' | 'inflate', message: string) {
    super(message);
  }
}

/** Parses `xml`, refusing a DOCTYPE, an ENTITY, a processing instruction other than the declaration, or more than `max` bytes. */
export function parseXml(xml: string, max = MAX_MESSAGE_BYTES): Document {
  if (Buffer.byteLength(xml, 'utf8') > max) throw new XmlRefused('too_large', `XML over ${max} bytes`);
  if (/<!DOCTYPE|<!ENTITY|<!ELEMENT|<!ATTLIST/i.test(xml)) throw new XmlRefused('dtd', 'XML with a DTD or an entity declaration');
  let failed: string | undefined;
  const doc = new DOMParser({
    onError: (level, msg) => {
      if (level !== 'warning') failed ??= msg;
    },
  }).parseFromString(xml, 'text/xml');
  if (failed || !doc.documentElement) throw new XmlRefused('malformed', `malformed XML: ${failed ?? 'no root element'}`);
  return doc;
}

/** base64 of DEFLATE (HTTP-Redirect): inflated to at most `max` bytes, refused beyond. */
export function inflateBase64(value: string, max = MAX_MESSAGE_BYTES): string {
  const raw = Buffer.from(value, 'base64');
  try {
    return inflateRawSync(raw, { maxOutputLength: max }).toString('utf8');
  } catch (err) {
    const e = err as { code?: string };
    throw new XmlRefused(e.code === 'ERR_BUFFER_TOO_LARGE' ? 'too_large' : 'inflate', 'SAMLRequest does not inflate within the bound');
  }
}

/** The element children of `el` in namespace `ns` named `local`. */
export function children(el: Element, ns: string, local: string): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === local) out.push(n as Element);
  }
  return out;
}

export const child = (el: Element, ns: string, local: string): Element | undefined => children(el, ns, local)[0];

/** Every descendant element in `ns` named `local`. */
export function descendants(el: Element | Document, ns: string, local: string): Element[] {
  return Array.from(el.getElementsByTagNameNS(ns, local)) as Element[];
}

export const text = (el: Element | undefined): string => (el?.textContent ?? '').trim();

/** XML text escaping for element content and attribute values. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** The elements whose ID attribute is `id`, anywhere in the document. */
export function elementsWithId(doc: Document, id: string): Element[] {
  return (Array.from(doc.getElementsByTagName('*')) as Element[]).filter((e) => e.getAttribute('ID') === id || e.getAttribute('Id') === id || e.getAttribute('id') === id);
}
