/**
 * The certificate login's use cases. `verifyPresented` runs on the certificate host: the header
 * believed only from a trusted proxy, the certificate checked (verify.ts) against the CAs and
 * CRLs in force (trust.ts), mapped to exactly one active account by CERT_MAP, and the signed
 * value that carries the account back to the issuer's host issued (return-value.ts).
 * `consumeCertificateReturn` runs on the issuer's host: the value checked against the
 * interaction and spent once. Every outcome is audited (cert.login.success, cert.login.failed)
 * with the certificate's subject, issuer and serial, never its content.
 */
import type { AccountRow } from '../db/repos/accounts.js';
import type { AuditLog } from '../audit/log.js';
import type { Logger } from '../util/logger.js';
import type { CertificateSettings } from '../config/certificate.js';
import { networkContains, parseAddress, type IpNetwork } from '../domain/networks.js';
import { normalizeLogin } from '../domain/login.js';
import { bindingMatches } from '../domain/certificate-binding.js';
import type { DirectoryConnector } from '../directory/types.js';
import { parseForwardedCertificate, verifyCertificate, type CertificateIdentity, type CertificateRefusal } from './verify.js';
import type { TrustStore } from './trust.js';
import type { CertificatePurpose, ReturnCheck, ReturnValues } from './return-value.js';

export type { CertificatePurpose } from './return-value.js';

/** Why the certificate host refuses: each has its page (routes.ts) and its audit outcome. */
export type PresentedRefusal = 'no_certificate' | 'untrusted_header' | CertificateRefusal | 'no_account' | 'ambiguous_account' | 'account_inactive' | 'not_first_factor' | 'directory_unavailable';

/** Why a returned value is not accepted on the issuer's host. */
export type ReturnRefusal = Exclude<ReturnCheck, { ok: true }>['reason'] | 'not_first_factor';

export interface PresentedInput {
  uid: string;
  purpose: CertificatePurpose;
  /** The certificate header's value, as received. */
  header: string | undefined;
  /** The socket's peer: the only address that says whether the header came from the proxy. */
  peer: string | undefined;
  /** The client's address (req.ip: behind the trusted proxy, the one it saw). */
  ip: string | undefined;
}

export type PresentedOutcome = { ok: true; value: string; accountId: string } | { ok: false; reason: PresentedRefusal };

export type CertificateReturn = { ok: true; accountId: string; amr: ['sc'] } | { ok: false; reason: ReturnRefusal };

export interface CertificateLoginDeps {
  settings: Pick<CertificateSettings, 'map' | 'firstFactor'>;
  trustedProxies: readonly IpNetwork[];
  trust: TrustStore;
  accounts: { byLogin(login: string): Promise<AccountRow | null>; byEmail(email: string, limit: number): Promise<AccountRow[]>; byExternalId(externalId: string): Promise<AccountRow | null> };
  /** CERT_MAP=attribute: the directory that holds the attribute. */
  directory?: Pick<DirectoryConnector, 'findByAttribute'> | undefined;
  values: ReturnValues;
  audit: Pick<AuditLog, 'record'>;
  logger: Logger;
  now?: () => Date;
}

export interface CertificateLogin {
  verifyPresented(input: PresentedInput): Promise<PresentedOutcome>;
  consumeCertificateReturn(uid: string, value: string, purpose: CertificatePurpose, ctx?: { ip?: string | undefined; clientId?: string | undefined }): Promise<CertificateReturn>;
}

/** Is the socket's peer one of TRUSTED_PROXIES? Pure. */
export function fromTrustedProxy(peer: string | undefined, proxies: readonly IpNetwork[]): boolean {
  const addr = parseAddress(peer);
  return !!addr && proxies.some((n) => networkContains(n, addr));
}

/** The accounts a certificate names by the rule (at most two: two is already too many), or 'several' directory entries. */
async function accountsNamed(identity: CertificateIdentity, deps: CertificateLoginDeps): Promise<AccountRow[] | 'several'> {
  const map = deps.settings.map;
  if (map === 'uid') {
    const a = identity.uid ? await deps.accounts.byLogin(normalizeLogin(identity.uid)) : null;
    return a ? [a] : [];
  }
  if (typeof map === 'object') {
    // the issuer and the serial together, never the serial alone: an entry is found by the
    // serial at the end of its value, then kept only when the value's serial and issuer DN are the
    // certificate's. The search names the serial without its leading zeros and without the ";"
    // before it: openssl prints 0A1B… where the certificate's number is A1B…, and both are written.
    const find = deps.directory?.findByAttribute;
    if (!find) return [];
    const ids = await find.call(deps.directory, map.attribute, identity.serial, (v) => bindingMatches(v, identity.issuerDn, identity.serial), 2);
    if (ids.length > 1) return 'several';
    // an entry with no account yet (the person never signed in and no sync ran) names nobody here
    const row = ids[0] ? await deps.accounts.byExternalId(ids[0]) : null;
    return row ? [row] : [];
  }
  const found = new Map<string, AccountRow>();
  for (const email of identity.emails.slice(0, 5)) for (const a of await deps.accounts.byEmail(email, 2)) found.set(a.id, a);
  return [...found.values()];
}

export function createCertificateLogin(deps: CertificateLoginDeps): CertificateLogin {
  const now = deps.now ?? (() => new Date());
  const certDetail = (purpose: CertificatePurpose, id?: Pick<CertificateIdentity, 'subject' | 'issuer' | 'serial'>) => ({ purpose, subject: id?.subject ?? null, issuer: id?.issuer ?? null, serial: id?.serial ?? null });

  async function refuse(input: PresentedInput, reason: PresentedRefusal, identity?: CertificateIdentity, subject?: string): Promise<PresentedOutcome> {
    deps.logger.info({ event: 'cert.login_refused', reason, purpose: input.purpose, ...(identity ? { subject: identity.subject, issuer: identity.issuer, serial: identity.serial } : {}) }, 'certificate login refused');
    await deps.audit.record({ type: 'cert.login.failed', outcome: reason, subject: subject ?? null, ip: input.ip ?? null, detail: certDetail(input.purpose, identity) });
    return { ok: false, reason };
  }

  async function verifyPresented(input: PresentedInput): Promise<PresentedOutcome> {
    if (input.header !== undefined && !fromTrustedProxy(input.peer, deps.trustedProxies)) {
      deps.logger.warn({ event: 'cert.header_untrusted', peer: input.peer ?? null }, 'a certificate header from an address that is not a trusted proxy was ignored');
      return refuse(input, 'untrusted_header');
    }
    if (input.purpose === 'login' && !deps.settings.firstFactor) return refuse(input, 'not_first_factor');
    if (!input.header) return refuse(input, 'no_certificate');
    const verdict = verifyCertificate(parseForwardedCertificate(input.header), await deps.trust.material(), now());
    if (!verdict.ok) return refuse(input, verdict.reason, verdict.identity);
    const identity = verdict.identity;
    let named: AccountRow[] | 'several';
    try {
      named = await accountsNamed(identity, deps);
    } catch (err) {
      deps.logger.error({ event: 'cert.directory_unavailable', error: (err as Error).message }, 'the directory could not be asked for the certificate\'s account');
      return refuse(input, 'directory_unavailable', identity);
    }
    if (named === 'several' || named.length > 1) return refuse(input, 'ambiguous_account', identity);
    if (named.length === 0) return refuse(input, 'no_account', identity);
    const account = named[0]!;
    if (account.status !== 'active') return refuse(input, 'account_inactive', identity, account.id);
    const value = deps.values.issue({ uid: input.uid, purpose: input.purpose, accountId: account.id, serial: identity.serial, subject: identity.subject, issuer: identity.issuer }, now().getTime());
    deps.logger.info({ event: 'cert.verified', purpose: input.purpose, account: account.id, subject: identity.subject, issuer: identity.issuer, serial: identity.serial }, 'certificate verified');
    return { ok: true, value, accountId: account.id };
  }

  async function consumeCertificateReturn(uid: string, value: string, purpose: CertificatePurpose, ctx: { ip?: string | undefined; clientId?: string | undefined } = {}): Promise<CertificateReturn> {
    const checked = deps.values.check(value, { uid, purpose }, now().getTime());
    const base = { ip: ctx.ip ?? null, clientId: ctx.clientId ?? null };
    if (!checked.ok) {
      await deps.audit.record({ type: 'cert.login.failed', outcome: checked.reason, ...base, detail: certDetail(purpose) });
      return { ok: false, reason: checked.reason };
    }
    const c = checked.claims;
    if (purpose === 'login' && !deps.settings.firstFactor) {
      await deps.audit.record({ type: 'cert.login.failed', outcome: 'not_first_factor', subject: c.accountId, ...base, detail: certDetail(purpose, c) });
      return { ok: false, reason: 'not_first_factor' };
    }
    await deps.audit.record({ type: 'cert.login.success', outcome: 'success', subject: c.accountId, ...base, detail: certDetail(purpose, c) });
    return { ok: true, accountId: c.accountId, amr: ['sc'] };
  }

  return { verifyPresented, consumeCertificateReturn };
}
