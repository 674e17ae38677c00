/**
 * CERT_CA_FILE and CERT_CRL_FILE as the checks need them, re-read when a file changes (its
 * modification time or size; looked at, at most once a CHECK_EVERY_MS, on the next login). Each
 * CRL is kept only when its signature verifies against a CA of CERT_CA_FILE; a list that fails to
 * load leaves the previous one in use and is logged. The CRLs are refreshed by whoever fetches
 * them (a cron job: README): nothing here downloads.
 */
import 'reflect-metadata';
import { readFile, stat } from 'node:fs/promises';
import type { X509Certificate } from 'node:crypto';
import { X509Certificate as AsnCertificate, X509Crl } from '@peculiar/x509';
import type { Logger } from '../util/logger.js';
import { normalSerial, parsePemBundle, type RevocationList, type TrustMaterial } from './verify.js';

export const CHECK_EVERY_MS = 5_000;

export interface TrustStore {
  /** The CAs and CRLs now in force (re-read first when a file changed). */
  material(): Promise<TrustMaterial>;
}

/** The CRLs of a PEM bundle (or one DER list). */
function crlsIn(data: Buffer): X509Crl[] {
  const text = data.toString('latin1');
  const blocks = text.match(/-----BEGIN X509 CRL-----[\s\S]*?-----END X509 CRL-----/g);
  if (blocks) return blocks.map((b) => new X509Crl(b));
  return data.length ? [new X509Crl(new Uint8Array(data))] : [];
}

/** Each CRL whose signature verifies against one of the CAs, by that CA's fingerprint. Lists no CA signed are left out (and named). */
export async function verifiedCrls(data: Buffer, cas: readonly X509Certificate[]): Promise<{ lists: Map<string, RevocationList>; unsigned: string[] }> {
  const lists = new Map<string, RevocationList>();
  const unsigned: string[] = [];
  const issuers = cas.map((c) => ({ node: c, asn: new AsnCertificate(new Uint8Array(c.raw)) }));
  for (const crl of crlsIn(data)) {
    let signer: X509Certificate | undefined;
    for (const ca of issuers) {
      if (await crl.verify({ publicKey: ca.asn }).catch(() => false)) { signer = ca.node; break; }
    }
    if (!signer) { unsigned.push(crl.issuer); continue; }
    const list: RevocationList = { revoked: new Set(crl.entries.map((e) => normalSerial(e.serialNumber))), thisUpdate: crl.thisUpdate, nextUpdate: crl.nextUpdate };
    const older = lists.get(signer.fingerprint256);
    if (!older || older.thisUpdate < list.thisUpdate) lists.set(signer.fingerprint256, list);
  }
  return { lists, unsigned };
}

interface Stamp { mtimeMs: number; size: number }

const stampOf = async (path: string): Promise<Stamp> => {
  const s = await stat(path);
  return { mtimeMs: s.mtimeMs, size: s.size };
};
const same = (a: Stamp | undefined, b: Stamp | undefined) => !!a && !!b && a.mtimeMs === b.mtimeMs && a.size === b.size;

async function load(caFile: string, crlFile: string | undefined, logger: Logger): Promise<TrustMaterial> {
  const cas = parsePemBundle(await readFile(caFile, 'utf8'));
  if (!cas.some((c) => c.ca)) throw new Error(`CERT_CA_FILE ${caFile}: no CA certificate in it`);
  if (crlFile === undefined) return { cas };
  const { lists, unsigned } = await verifiedCrls(await readFile(crlFile), cas);
  if (unsigned.length) logger.warn({ event: 'cert.crl_unsigned', issuers: unsigned }, 'CERT_CRL_FILE: lists signed by no CA of CERT_CA_FILE were left out');
  return { cas, crls: lists };
}

/** Loads the files now (throws when CERT_CA_FILE cannot be used: start-up stops) and keeps them current. */
export async function openTrustStore(opts: { caFile: string; crlFile?: string | undefined; logger: Logger; clock?: () => number }): Promise<TrustStore> {
  const { caFile, crlFile, logger } = opts;
  const clock = opts.clock ?? Date.now;
  const stamps = async () => ({ ca: await stampOf(caFile), crl: crlFile ? await stampOf(crlFile) : undefined });
  let seen = await stamps();
  let current = await load(caFile, crlFile, logger);
  let lastLook = clock();
  return {
    async material() {
      if (clock() - lastLook < CHECK_EVERY_MS) return current;
      lastLook = clock();
      try {
        const now = await stamps();
        if (same(now.ca, seen.ca) && (crlFile === undefined || same(now.crl, seen.crl))) return current;
        current = await load(caFile, crlFile, logger);
        seen = now;
        logger.info({ event: 'cert.trust_reloaded', cas: current.cas.length, crls: current.crls?.size ?? 0 }, 'certificate CAs and revocation lists re-read');
      } catch (err) {
        logger.error({ event: 'cert.trust_reload_failed', error: (err as Error).message }, 'CERT_CA_FILE or CERT_CRL_FILE could not be re-read: the previous ones stay in use');
      }
      return current;
    },
  };
}
