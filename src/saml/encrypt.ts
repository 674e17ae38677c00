/**
 * Encrypted assertions, for an SP whose metadata has an encryption key: the signed assertion
 * encrypted (sign, then encrypt) with AES-256-GCM, or AES-256-CBC when the SP's metadata names
 * it in EncryptionMethod, the content key wrapped with RSA-OAEP (rsa-oaep-mgf1p) for the SP's
 * certificate. OAEP's digest stays SHA-1, its default: Lasso (mod_auth_mellon) cannot unwrap a key
 * with a SHA-256 OAEP digest, and OAEP's use of the hash needs no collision resistance (the
 * refusal of SHA-1 is for signatures and digests of signed content).
 */
import { createPublicKey } from 'node:crypto';
import { encrypt } from 'xml-encryption';
import { NS } from './xml.js';

export const CONTENT_ALGS = {
  gcm: 'http://www.w3.org/2009/xmlenc11#aes256-gcm',
  cbc: 'http://www.w3.org/2001/04/xmlenc#aes256-cbc',
} as const;
const RSA_OAEP = 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p';

/** The content algorithm for an SP: the one its metadata names when it is one we offer, else AES-256-GCM. Pure. */
export function contentAlgorithm(method: string | null): string {
  return method === CONTENT_ALGS.cbc ? CONTENT_ALGS.cbc : CONTENT_ALGS.gcm;
}

export function encryptAssertion(signedAssertion: string, certificatePem: string, method: string | null): Promise<string> {
  const rsaPub = createPublicKey(certificatePem).export({ type: 'spki', format: 'pem' }).toString();
  const alg = contentAlgorithm(method);
  // xml-encryption counts CBC as insecure (a padding oracle at the decrypting side): it is used
  // only for an SP whose own metadata asks for it
  const allowCbc = alg === CONTENT_ALGS.cbc;
  return new Promise((resolve, reject) => {
    encrypt(signedAssertion, { rsa_pub: rsaPub, pem: certificatePem, encryptionAlgorithm: alg, keyEncryptionAlgorithm: RSA_OAEP, keyEncryptionDigest: 'sha1', disallowEncryptionWithInsecureAlgorithm: !allowCbc, warnInsecureAlgorithm: false }, (err, result) => {
      if (err || !result) return reject(err ?? new Error('assertion encryption failed'));
      resolve(`<saml:EncryptedAssertion xmlns:saml="${NS.saml}">${result}</saml:EncryptedAssertion>`);
    });
  });
}
