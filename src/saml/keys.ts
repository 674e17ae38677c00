/**
 * The SAML signing key: RSA 2048 with a self-signed certificate (SAML SPs pin certificates, not
 * JWKs), created at start when there is none, its private key sealed with KEY_ENCRYPTION_SECRET
 * (keys/envelope.ts), rotated by `sso keys rotate` (published at once, signing from
 * KEY_ACTIVATION_DELAY later) with the old certificate kept in the metadata during the grace
 * period. Instances starting together on a fresh database may each create one:
 * every instance then signs with the newest active key and the metadata lists them all.
 */
import { randomUUID, webcrypto, createPrivateKey, type KeyObject } from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { open, seal } from '../keys/envelope.js';
import type { SamlKeyRow, SamlRepository } from '../db/repos/saml.js';
import type { AuditRecorder } from '../audit/log.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** What signs: the private key and its certificate (PEM). */
export interface SamlSigner {
  id: string;
  privateKey: KeyObject;
  privateKeyPem: string;
  certificatePem: string;
}

const CERT_YEARS = 10;

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** A new RSA 2048 key and a self-signed certificate naming the issuer's host. */
export async function generateSamlKey(issuer: string, now = new Date()): Promise<{ certificatePem: string; privateKeyPem: string }> {
  const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const host = new URL(issuer).hostname.replace(/[^A-Za-z0-9.-]/g, '');
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + CERT_YEARS);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomUUID().replace(/-/g, '').slice(0, 16),
    name: `CN=${host || 'sso'} SAML signing`,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter,
    signingAlgorithm: alg,
    keys,
    extensions: [new x509.BasicConstraintsExtension(false, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)],
  });
  return { certificatePem: cert.toString('pem') + '\n', privateKeyPem: pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)) };
}

/** A certificate's base64 body (what ds:X509Certificate holds). Pure. */
export function certBody(certPem: string): string {
  return certPem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
}

export interface SamlKeyStore {
  /** Creates a key when none is active; true when one was made. */
  ensure(): Promise<boolean>;
  /** The key that signs now (the newest active one). */
  signer(): Promise<SamlSigner>;
  /** The certificates published in metadata: the active ones and those retiring within their grace period. */
  published(now?: Date): Promise<string[]>;
  /**
   * A new key, published at once, signing from `activateAt`; the old ones keep signing until then
   * and stay published `graceSeconds` after it (SPs that read the metadata again trust both).
   */
  rotate(o: { activateAt: Date; graceSeconds: number }): Promise<{ id: string; activateAt: Date; retireAfter: Date } | null>;
}

export function createSamlKeyStore(repo: SamlRepository, opts: { issuer: string; secret: string; audit?: AuditRecorder | undefined }): SamlKeyStore {
  const aad = (id: string) => `saml:${id}`;
  let cached: { id: string; signer: SamlSigner } | undefined;
  /** Published: active, or retiring within its grace period. */
  const live = (k: SamlKeyRow, now: Date) => k.status === 'active' || (k.status === 'retiring' && !!k.retireAfter && k.retireAfter > now);
  /** The key signing at `now`: of the published ones already activated, the last activated. */
  const newest = (rows: SamlKeyRow[], now = new Date()) => rows
    .filter((k) => live(k, now) && k.activatedAt <= now)
    .sort((a, b) => b.activatedAt.getTime() - a.activatedAt.getTime() || b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))[0];
  async function make(activatedAt: Date) {
    const id = randomUUID();
    const k = await generateSamlKey(opts.issuer);
    return { id, certificate: k.certificatePem, encryptedKey: seal(k.privateKeyPem, opts.secret, aad(id)), status: 'active', activatedAt };
  }
  return {
    async ensure() {
      if (newest(await repo.keys())) return false;
      const row = await make(new Date());
      await repo.insertKey(row);
      await opts.audit?.record({ type: 'keys.created', outcome: 'success', detail: { kid: row.id, alg: 'RS256', use: 'saml' } });
      return true;
    },
    async signer() {
      const row = newest(await repo.keys());
      if (!row) throw new Error('no SAML signing key: the server creates one at start');
      if (cached?.id !== row.id) {
        const privateKeyPem = open(row.encryptedKey, opts.secret, aad(row.id));
        cached = { id: row.id, signer: { id: row.id, privateKey: createPrivateKey(privateKeyPem), privateKeyPem, certificatePem: row.certificate } };
      }
      return cached.signer;
    },
    async published(now = new Date()) {
      return (await repo.keys()).filter((k) => live(k, now)).map((k) => k.certificate);
    },
    async rotate({ activateAt, graceSeconds }) {
      if (!(await repo.keys()).length) return null; // none yet: the server makes one at start
      const row = await make(activateAt);
      const retireAfter = new Date(activateAt.getTime() + graceSeconds * 1000);
      await repo.rotateKey(row, retireAfter);
      await opts.audit?.record({ type: 'keys.rotated', outcome: 'success', detail: { kid: row.id, alg: 'RS256', use: 'saml', activate_at: activateAt.toISOString(), retire_after: retireAfter.toISOString() } });
      return { id: row.id, activateAt, retireAfter };
    },
  };
}
