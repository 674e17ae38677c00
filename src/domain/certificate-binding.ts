/**
 * A certificate named in a directory attribute (CERT_MAP=attribute:<name>): the value holds the
 * issuer and the serial together, `<issuer DN>;<serial>`, because a serial number is unique only
 * within one CA. The issuer DN as RFC 4514 writes it (what `openssl x509 -noout -issuer
 * -nameopt RFC2253` prints), compared after DN normalisation (case, spaces, escapes); the serial
 * in hexadecimal, compared without case, separators or leading zeros. Pure.
 *
 *   CN=CA phuc vu cac co quan Nha nuoc,O=Ban Co yeu Chinh phu,C=VN;5404FFFEB7033FB316D0D8C2D2A1D6F3
 */
import { normalizeDn } from './dn.js';

/** Upper-case hex without separators or leading zeros ("00:ab:0C" -> "AB0C"). */
export function normalSerial(hex: string): string {
  return hex.replace(/[^0-9a-f]/gi, '').replace(/^0+(?=.)/, '').toUpperCase();
}

/** A DN as Node's X509Certificate prints it (one RDN a line, most significant first) in RFC 4514 order. */
export function rfc4514FromLines(lines: string): string {
  return lines.split('\n').filter(Boolean).reverse().join(',');
}

/** The attribute value that names a certificate. */
export function certificateBinding(issuerDn: string, serialHex: string): string {
  return `${issuerDn};${normalSerial(serialHex)}`;
}

/** `value` names the certificate of this issuer (RFC 4514) and serial. A value without a DN before the ";" names none. */
export function bindingMatches(value: string, issuerDn: string, serialHex: string): boolean {
  const at = value.lastIndexOf(';');
  if (at <= 0) return false;
  const serial = value.slice(at + 1).trim();
  if (!/^[0-9A-Fa-f:\s]{1,128}$/.test(serial) || normalSerial(serial) !== normalSerial(serialHex)) return false;
  const issuer = normalizeDn(value.slice(0, at).trim());
  return issuer !== null && issuer === normalizeDn(issuerDn);
}
