/**
 * WebAuthn (security keys and passkeys) as use cases: registering an authenticator with a name,
 * listing, renaming and removing them, and the two sign-in ceremonies: as the second factor
 * after a password (user verification preferred) and, where WEBAUTHN_PASSWORDLESS allows, as the
 * first and only factor (a discoverable credential with user verification required).
 *
 * The relying party is the issuer: RP ID its host name, expected origin its origin. Each
 * ceremony's challenge is stored (WebAuthnChallenge) for CHALLENGE_TTL_SECONDS and taken once;
 * the web layer keeps its id in an httpOnly cookie (./http.ts), so a challenge is bound to the
 * browser that asked for it. The signature counter is checked only when it is not zero
 * (domain/webauthn.ts); an assertion from a removed or a cloned authenticator is refused and
 * audited. Every enrolment and removal is audited with the account as subject ("My account"
 * shows them among the recent activity).
 */
import type { Notice, SecurityNotices } from '../mail/notices.js';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { AccountRecord } from '../accounts/claims.js';
import type { AuditLog } from '../audit/log.js';
import type { StoredAuthenticator, WebAuthnCredentialRepository } from '../db/repos/webauthn-credentials.js';
import { acrOf, withMethod, type Acr } from '../domain/authn-level.js';
import { authenticatorName, counterAccepted, methodOf, relyingPartyOf } from '../domain/webauthn.js';
import type { Logger } from '../util/logger.js';

/** How long a ceremony's challenge may be answered. */
export const CHALLENGE_TTL_SECONDS = 300;
/** How many authenticators one person may register. */
export const MAX_AUTHENTICATORS = 20;

export type Purpose = 'register' | 'authenticate' | 'passwordless';

/** Where a request came from, for the audit trail. */
export interface RequestContext {
  ip?: string | null | undefined;
  userAgent?: string | undefined;
  clientId?: string | null | undefined;
}

export interface WebAuthnDeps {
  repo: WebAuthnCredentialRepository;
  accounts: { findActive(id: string): Promise<AccountRecord | null> };
  audit?: Pick<AuditLog, 'record'> | undefined;
  /** Mails the person when a key is registered or removed (SMTP_URL). */
  notices?: Pick<SecurityNotices, 'send'> | undefined;
  logger?: Logger | undefined;
  /** ISSUER: its host name is the RP ID, its origin the expected origin. */
  issuer: string;
  /** The name the authenticator shows ("Đăng nhập một lần – UBND tỉnh …"). */
  rpName: string;
  /** WEBAUTHN_PASSWORDLESS. */
  passwordless: boolean;
  now?: () => Date;
}

/** A ceremony's options for the browser, and the id of its stored challenge (for the cookie). */
export interface Ceremony<O> {
  challengeId: string;
  options: O;
}

/** Why an authenticator or an assertion was refused (stable codes; the audit outcome). */
export type RefusalReason =
  | 'no_challenge' // expired, used, for another ceremony or another person, or never asked
  | 'unknown_authenticator' // not registered (or removed)
  | 'not_yours' // registered to another account than the one signing in
  | 'counter_regressed' // the signature counter did not go up: a cloned authenticator
  | 'not_verified' // the signature, origin, RP ID or user verification did not check
  | 'account_inactive' // the account is disabled or gone
  | 'not_allowed' // passwordless sign-in is not enabled
  | 'already_registered' // this authenticator is registered already
  | 'too_many' // MAX_AUTHENTICATORS reached
  | 'invalid_name'; // the name is empty

export type Refusal = { ok: false; reason: RefusalReason };

/** A verified assertion: the authenticator's amr method and whether the person was verified (PIN, fingerprint). */
export type AssertionResult = { ok: true; method: 'hwk' | 'swk'; uv: boolean; authenticatorId: string; name: string } | Refusal;

/** A passwordless sign-in: the account and the amr/acr it reached. */
export type PasswordlessResult = { ok: true; accountId: string; login: string; amr: string[]; acr: Acr; name: string } | Refusal;

export type RegistrationResult = { ok: true; authenticator: StoredAuthenticator } | Refusal;

/** The page's view of an authenticator (no key material). */
export interface AuthenticatorView {
  id: string;
  name: string;
  method: 'hwk' | 'swk';
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** The library's reason, without the values it quotes (challenges, origins, ids). */
const errorText = (err: unknown) => String((err as Error)?.message ?? err).replace(/"[^"]*"/g, '"…"').slice(0, 200);

/** A challenge's bytes: the library sends them base64url-encoded, which is the stored text again. */
const bytesOf = (challenge: string) => new Uint8Array(Buffer.from(challenge, 'base64url'));

const transportsOf = (a: StoredAuthenticator) => a.transports as AuthenticatorTransport[];

export class WebAuthnService {
  /** The relying party (RP ID, origin) every ceremony uses. */
  readonly relyingParty: { rpId: string; origin: string };
  /** WEBAUTHN_PASSWORDLESS. */
  readonly passwordless: boolean;
  private readonly repo: WebAuthnCredentialRepository;
  private readonly now: () => Date;

  constructor(private readonly deps: WebAuthnDeps) {
    this.repo = this.deps.repo;
    this.now = this.deps.now ?? (() => new Date());
    this.relyingParty = relyingPartyOf(this.deps.issuer);
    this.passwordless = this.deps.passwordless;
  }

  private async newChallenge(purpose: Purpose, accountId: string | null): Promise<{ id: string; challenge: string }> {
    const at = this.now();
    const c = { id: randomBytes(18).toString('base64url'), challenge: randomBytes(32).toString('base64url') };
    await this.repo.putChallenge({ ...c, purpose, accountId, expiresAt: new Date(at.getTime() + CHALLENGE_TTL_SECONDS * 1000) }, at);
    return c;
  }

  /** The stored challenge when it is this ceremony's, for this person (null for passwordless). */
  private async takeChallenge(id: string | undefined, purpose: Purpose, accountId: string | null): Promise<string | null> {
    if (!id || id.length > 64) return null;
    const c = await this.repo.takeChallenge(id, this.now());
    if (!c || c.purpose !== purpose || c.accountId !== accountId) return null;
    return c.challenge;
  }

  private audit(type: 'webauthn.registered' | 'webauthn.renamed' | 'webauthn.removed' | 'webauthn.refused', outcome: string, subject: string | null, ctx: RequestContext, detail: Record<string, unknown>) {
    void this.deps.audit?.record({ type, outcome, subject, ip: ctx.ip ?? null, clientId: ctx.clientId ?? null, detail: { ...detail, ...(ctx.userAgent ? { user_agent: ctx.userAgent } : {}) } });
  }

  private refuse(reason: RefusalReason, subject: string | null, ctx: RequestContext, detail: Record<string, unknown> = {}): Refusal {
    // a missing or stale challenge is a slow browser or a reload, not an attack: not audited
    if (reason !== 'no_challenge') this.audit('webauthn.refused', reason, subject, ctx, detail);
    this.deps.logger?.info({ event: 'webauthn.refused', reason, account: subject ?? undefined, ip: ctx.ip ?? undefined, error: detail.error }, 'webauthn response refused');
    return { ok: false, reason };
  }

  /**
   * Checks an assertion against a stored authenticator: the challenge, origin, RP ID and
   * signature by the library (its own counter check disabled: it is ours, below), then the
   * counter rule, then the counter moved by compare-and-set (two racing uses cannot both pass).
   */
  private async checkAssertion(a: StoredAuthenticator, response: AuthenticationResponseJSON, challenge: string, requireUv: boolean, ctx: RequestContext): Promise<AssertionResult> {
    let info;
    try {
      const v = await verifyAuthenticationResponse({
        response, expectedChallenge: challenge, expectedOrigin: this.relyingParty.origin, expectedRPID: this.relyingParty.rpId, requireUserVerification: requireUv,
        credential: { id: a.credentialId, publicKey: a.publicKey, counter: 0, transports: transportsOf(a) },
      });
      if (!v.verified) return this.refuse('not_verified', a.accountId, ctx, { name: a.name });
      info = v.authenticationInfo;
    } catch (err) {
      return this.refuse('not_verified', a.accountId, ctx, { name: a.name, error: errorText(err) });
    }
    if (!counterAccepted(a.signCount, info.newCounter)) {
      return this.refuse('counter_regressed', a.accountId, ctx, { name: a.name, stored_count: a.signCount, received_count: info.newCounter });
    }
    if (!(await this.repo.recordUse(a.id, a.signCount, info.newCounter, this.now()))) {
      return this.refuse(a.signCount === 0 && info.newCounter === 0 ? 'unknown_authenticator' : 'counter_regressed', a.accountId, ctx, { name: a.name });
    }
    return { ok: true, method: methodOf(a.attachment), uv: info.userVerified, authenticatorId: a.id, name: a.name };
  }

  /** A response as the browser sent it: an object with an id (anything else is refused as not verified). */
  private credentialIdOf(response: { id?: unknown } | null | undefined): string | null {
    const id = response?.id;
    return typeof id === 'string' && id.length > 0 && id.length <= 1400 ? id : null;
  }

  /** The account's authenticators, for its page. */
  async list(accountId: string): Promise<AuthenticatorView[]> {
    return (await this.repo.listFor(accountId)).map((a) => ({ id: a.id, name: a.name, method: methodOf(a.attachment), createdAt: a.createdAt, lastUsedAt: a.lastUsedAt }));
  }

  /** Options to register a new authenticator (the ones it has are excluded; a discoverable credential preferred). */
  async registrationOptions(account: Pick<AccountRecord, 'id' | 'login' | 'displayName'>): Promise<Ceremony<PublicKeyCredentialCreationOptionsJSON>> {
    const have = await this.repo.listFor(account.id);
    const c = await this.newChallenge('register', account.id);
    const options = await generateRegistrationOptions({
      rpName: this.deps.rpName, rpID: this.relyingParty.rpId, userName: account.login, userDisplayName: account.displayName || account.login,
      userID: new TextEncoder().encode(account.id), challenge: bytesOf(c.challenge), attestationType: 'none', timeout: CHALLENGE_TTL_SECONDS * 1000,
      excludeCredentials: have.map((a) => ({ id: a.credentialId, transports: transportsOf(a) })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    });
    return { challengeId: c.id, options };
  }

  /** Verifies a new authenticator's response and stores it with the name given; audited. */
  async verifyRegistration(accountId: string, challengeId: string | undefined, response: RegistrationResponseJSON, typedName: string, ctx: RequestContext = {}): Promise<RegistrationResult> {
    const challenge = await this.takeChallenge(challengeId, 'register', accountId);
    if (!challenge) return this.refuse('no_challenge', accountId, ctx);
    const name = authenticatorName(typedName);
    if (!name) return { ok: false, reason: 'invalid_name' };
    if ((await this.repo.listFor(accountId)).length >= MAX_AUTHENTICATORS) return { ok: false, reason: 'too_many' };
    let info;
    try {
      const v = await verifyRegistrationResponse({ response, expectedChallenge: challenge, expectedOrigin: this.relyingParty.origin, expectedRPID: this.relyingParty.rpId, requireUserVerification: false });
      if (!v.verified) return this.refuse('not_verified', accountId, ctx, { name });
      info = v.registrationInfo;
    } catch (err) {
      return this.refuse('not_verified', accountId, ctx, { name, error: errorText(err) });
    }
    const attachment = response.authenticatorAttachment === 'cross-platform' || response.authenticatorAttachment === 'platform' ? response.authenticatorAttachment : '';
    const a = {
      id: randomUUID(), accountId, credentialId: info.credential.id, publicKey: info.credential.publicKey, signCount: info.credential.counter,
      transports: (info.credential.transports ?? []).filter((t) => /^[a-z-]{1,20}$/.test(t)).slice(0, 8), attachment, name, createdAt: this.now(),
    };
    if (!(await this.repo.insert(a))) return this.refuse('already_registered', accountId, ctx, { name });
    this.audit('webauthn.registered', 'success', accountId, ctx, { name, method: methodOf(attachment), attachment: attachment || null, user_verified: info.userVerified });
    await this.notify(accountId, { kind: 'enrolled', method: 'webauthn', name }, ctx);
    return { ok: true, authenticator: { ...a, lastUsedAt: null, createdAt: a.createdAt } };
  }

  /** Renames one of the account's authenticators; audited. False when it has no such one or the name is empty. */
  async rename(accountId: string, id: string, typedName: string, ctx: RequestContext = {}): Promise<boolean> {
    const name = authenticatorName(typedName);
    const before = (await this.repo.listFor(accountId)).find((a) => a.id === id);
    if (!name || !before || !(await this.repo.rename(accountId, id, name))) return false;
    this.audit('webauthn.renamed', 'success', accountId, ctx, { name, previous: before.name });
    return true;
  }

  /** Removes one of the account's authenticators; audited. The removed one's name, or null. */
  async remove(accountId: string, id: string, ctx: RequestContext = {}): Promise<string | null> {
    const gone = await this.repo.remove(accountId, id);
    if (!gone) return null;
    this.audit('webauthn.removed', 'success', accountId, ctx, { name: gone.name, method: methodOf(gone.attachment), reason: 'my account' });
    await this.notify(accountId, { kind: 'removed', method: 'webauthn', name: gone.name }, ctx);
    return gone.name;
  }

  /** The person's notice by mail (never waited for by the page beyond the account lookup, never a failure). */
  private async notify(accountId: string, notice: Notice, ctx: RequestContext): Promise<void> {
    if (!this.deps.notices) return;
    const account = await this.deps.accounts.findActive(accountId);
    if (account) void this.deps.notices.send(account, notice, { at: this.now(), ip: ctx.ip ?? undefined });
  }

  /** The helpdesk's MFA reset: every authenticator of the account removed; audited when there were any. How many. */
  async removeAll(accountId: string, reason = 'mfa reset', ctx: RequestContext = {}): Promise<number> {
    const n = await this.repo.removeAll(accountId);
    if (n) this.audit('webauthn.removed', 'success', accountId, ctx, { removed: n, reason });
    return n;
  }

  /** Whether the account has an authenticator (the second-factor page offers the key then). */
  async hasAny(accountId: string): Promise<boolean> {
    return (await this.repo.listFor(accountId)).length > 0;
  }

  /** How many accounts have at least one authenticator (metrics). */
  accountsWithAuthenticators(): Promise<number> {
    return this.repo.countAccounts();
  }

  /** Second factor: options naming the account's authenticators, user verification preferred. */
  async authenticationOptions(accountId: string): Promise<Ceremony<PublicKeyCredentialRequestOptionsJSON>> {
    const have = await this.repo.listFor(accountId);
    const c = await this.newChallenge('authenticate', accountId);
    const options = await generateAuthenticationOptions({
      rpID: this.relyingParty.rpId, challenge: bytesOf(c.challenge), timeout: CHALLENGE_TTL_SECONDS * 1000, userVerification: 'preferred',
      allowCredentials: have.map((a) => ({ id: a.credentialId, transports: transportsOf(a) })),
    });
    return { challengeId: c.id, options };
  }

  /** Second factor: the assertion checked against the account's own authenticators. */
  async verifyAuthentication(accountId: string, challengeId: string | undefined, response: AuthenticationResponseJSON, ctx: RequestContext = {}): Promise<AssertionResult> {
    const challenge = await this.takeChallenge(challengeId, 'authenticate', accountId);
    if (!challenge) return this.refuse('no_challenge', accountId, ctx);
    const credentialId = this.credentialIdOf(response);
    const a = credentialId ? await this.repo.byCredentialId(credentialId) : null;
    if (!a) return this.refuse('unknown_authenticator', accountId, ctx);
    if (a.accountId !== accountId) return this.refuse('not_yours', accountId, ctx);
    return this.checkAssertion(a, response, challenge, false, ctx);
  }

  /** Passwordless: options with no authenticator named (a discoverable one answers), user verification required. */
  async passwordlessOptions(): Promise<Ceremony<PublicKeyCredentialRequestOptionsJSON>> {
    const c = await this.newChallenge('passwordless', null);
    const options = await generateAuthenticationOptions({ rpID: this.relyingParty.rpId, challenge: bytesOf(c.challenge), timeout: CHALLENGE_TTL_SECONDS * 1000, userVerification: 'required' });
    return { challengeId: c.id, options };
  }

  /**
   * Passwordless: the assertion, from whichever of its authenticators the person chose, with
   * user verification (so one ceremony is two factors: amr [hwk|swk, mfa]). The account must
   * be active. The caller records the sign-in (login.success) as for a password.
   */
  async verifyPasswordless(challengeId: string | undefined, response: AuthenticationResponseJSON, ctx: RequestContext = {}): Promise<PasswordlessResult> {
    if (!this.deps.passwordless) return { ok: false, reason: 'not_allowed' };
    const challenge = await this.takeChallenge(challengeId, 'passwordless', null);
    if (!challenge) return this.refuse('no_challenge', null, ctx);
    const credentialId = this.credentialIdOf(response);
    const a = credentialId ? await this.repo.byCredentialId(credentialId) : null;
    if (!a) return this.refuse('unknown_authenticator', null, ctx);
    // a discoverable credential names its owner (the user.id given at registration): it must be the same
    const handle = response.response.userHandle;
    if (handle && handle !== Buffer.from(a.accountId, 'utf8').toString('base64url')) return this.refuse('not_yours', a.accountId, ctx);
    const account = await this.deps.accounts.findActive(a.accountId);
    if (!account) return this.refuse('account_inactive', a.accountId, ctx);
    const r = await this.checkAssertion(a, response, challenge, true, ctx);
    if (!r.ok) return r;
    const amr = withMethod([], r.method, { uv: r.uv });
    void this.deps.audit?.record({ type: 'login.success', outcome: 'success', actor: account.login, subject: account.id, clientId: ctx.clientId ?? null, ip: ctx.ip ?? null, detail: { source: account.source, method: 'webauthn', amr, key_name: r.name, user_agent: ctx.userAgent } });
    this.deps.logger?.info({ event: 'login.success', account: account.id, login: account.login, ip: ctx.ip ?? undefined, client: ctx.clientId ?? undefined, method: 'webauthn', amr }, 'login succeeded with a passkey');
    return { ok: true, accountId: account.id, login: account.login, amr, acr: acrOf(amr), name: r.name };
  }
}

export function createWebAuthn(deps: WebAuthnDeps): WebAuthnService {
return new WebAuthnService(deps);
}
