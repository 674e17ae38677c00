/**
 * Ending access: when an account's access ends (disabled by the directory sync, by a login that
 * finds it disabled, by `sso account disable`, or logged out everywhere by `sso account logout`),
 * everything ends at once, in one transaction:
 *
 *   1. the applications holding a live session for it are noted: one logout token queued per
 *      (application with a back-channel logout URI, session id);
 *   2. its sessions, its grants and every token and code issued to it or under its grants are
 *      deleted (refresh fails and introspection says inactive from that moment);
 *
 * then the delivery worker is woken (delivery-worker.ts). One session (endSession) or one
 * application's consent (revokeApplication) ends the same way, for that session or application
 * only; a logout at the IdP queues its application's token (queueLogout).
 */
import type { Logger } from '../util/logger.js';
import type { AuditRecorder } from '../audit/log.js';
import type { SessionEnding, SessionRepository, StoredSession } from '../db/repos/sessions.js';
import type { LogoutDeliveryRepository } from '../db/repos/logout-deliveries.js';
import { logoutPlan } from '../domain/logout-deliveries.js';

export interface EndAccessResult {
  /** Sessions, grants, tokens and codes deleted. */
  revoked: number;
  /** Logout tokens queued for delivery. */
  queued: number;
}

export interface AccessEnderOptions {
  sessions: SessionRepository;
  deliveries: Pick<LogoutDeliveryRepository, 'queue'>;
  logger: Logger;
  /** Records account.access_ended, account.session_ended, account.application_revoked with the counts. */
  audit?: AuditRecorder | undefined;
  now?: () => Date;
  /** Called when logout tokens were queued: wakes the delivery worker. */
  onQueued(): void;
}

/** A session written while a round ran (a login finishing at that moment) is caught by the next; at most this many. */
const END_ROUNDS = 5;

export class AccessEnder {
  private readonly now: () => Date;

  constructor(private readonly o: AccessEnderOptions) {
    this.now = o.now ?? (() => new Date());
  }

  /** Queues the logout tokens of these sessions (only `onlyClient`'s, when given); returns the grants they name and how many were queued. */
  private async queueFor(tx: SessionEnding, accountId: string, sessions: StoredSession[], reason: string, onlyClient?: string) {
    const at = this.now();
    const plan = logoutPlan(sessions, at, onlyClient);
    const queued = await tx.deliveries.queue({ accountId, reason, at, targets: plan.targets });
    return { grantIds: new Set(plan.grantIds), queued };
  }

  /** One round: note the sessions' applications, then delete the sessions read and everything else of the account or its grants. */
  private endOnce(accountId: string, reason: string): Promise<EndAccessResult> {
    return this.o.sessions.ending(async (tx) => {
      const sessions = await tx.sessionsOf(accountId);
      const { grantIds, queued } = await this.queueFor(tx, accountId, sessions, reason);
      for (const id of await tx.grantIdsOf(accountId)) grantIds.add(id);
      const s = await tx.deleteSessions(sessions.map((x) => x.id));
      const rest = await tx.deleteAccountRows(accountId, [...grantIds]);
      return { revoked: s + rest, queued };
    });
  }

  /** Ends every session, grant and token of the account and tells its applications. */
  async endAccess(accountId: string, reason: string): Promise<EndAccessResult> {
    let revoked = 0;
    let queued = 0;
    // Sessions that began before this second are refused from now on, wherever they are saved
    // again (a request in flight holding one); oidc-provider's clock, not an injected one, sets loginTs.
    await this.o.sessions.refuseSessionsBefore(accountId, new Date());
    for (let round = 0; round < END_ROUNDS; round++) {
      const r = await this.endOnce(accountId, reason);
      revoked += r.revoked;
      queued += r.queued;
      if (!(await this.o.sessions.countOf(accountId))) break;
    }
    this.o.logger.info({ event: 'account.access_ended', account: accountId, reason, revoked, queued }, 'access ended: sessions, grants and tokens revoked; logout notifications queued');
    await this.o.audit?.record({ type: 'account.access_ended', outcome: 'success', subject: accountId, detail: { reason, revoked, queued } });
    if (queued) this.o.onQueued();
    return { revoked, queued };
  }

  /**
   * Ends one single sign-on session of an account (by its uid): its applications are told
   * (back-channel logout), the session is deleted with the tokens and codes issued in it. The
   * account's other sessions and its consent stay. Returns null when it has no such session.
   */
  async endSession(accountId: string, sessionUid: string, reason: string): Promise<EndAccessResult | null> {
    const r = await this.o.sessions.ending(async (tx) => {
      const session = await tx.sessionOf(accountId, sessionUid);
      if (!session) return null;
      const { grantIds, queued } = await this.queueFor(tx, accountId, [session], reason);
      const s = await tx.deleteSessions([session.id]);
      const tokens = await tx.deleteSessionTokens([...grantIds], sessionUid);
      return { revoked: s + tokens, queued };
    });
    if (!r) return null;
    this.o.logger.info({ event: 'account.session_ended', account: accountId, reason, ...r }, 'session ended; its applications notified');
    await this.o.audit?.record({ type: 'account.session_ended', outcome: 'success', subject: accountId, detail: { reason, session: sessionUid, ...r } });
    if (r.queued) this.o.onQueued();
    return r;
  }

  /**
   * Withdraws an account's consent to one application: its grants and every token and code
   * issued under them are deleted, and the application is told to end its sessions
   * (back-channel logout). The next login to it asks for consent again.
   */
  async revokeApplication(accountId: string, clientId: string, reason: string): Promise<EndAccessResult> {
    const r = await this.o.sessions.ending(async (tx) => {
      const sessions = await tx.sessionsOf(accountId);
      const { grantIds, queued } = await this.queueFor(tx, accountId, sessions, reason, clientId);
      for (const id of await tx.grantIdsOf(accountId, clientId)) grantIds.add(id);
      const ids = [...grantIds];
      const grants = await tx.deleteGrants(ids);
      const tokens = await tx.deleteApplicationTokens(accountId, clientId, ids);
      return { revoked: grants + tokens, queued };
    });
    this.o.logger.info({ event: 'account.application_revoked', account: accountId, client: clientId, reason, ...r }, 'application access revoked; the application notified');
    await this.o.audit?.record({ type: 'account.application_revoked', outcome: 'success', subject: accountId, clientId, detail: { reason, ...r } });
    if (r.queued) this.o.onQueued();
    return r;
  }

  /**
   * Queues the logout token of one application for one session that ended at the IdP (the person
   * logged out: RP-initiated logout), to be delivered and retried like the others. Returns
   * whether one was queued (the application is active and has a back-channel logout URI).
   */
  async queueLogout(clientId: string, accountId: string, sid: string | null, reason: string): Promise<boolean> {
    const queued = await this.o.deliveries.queue({ accountId, reason, at: this.now(), targets: [{ clientId, sid }] });
    if (!queued) return false;
    this.o.onQueued();
    return true;
  }
}
