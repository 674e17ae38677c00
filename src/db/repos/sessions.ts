/**
 * Single sign-on sessions and consent as stored by oidc-provider (OidcPayload rows of type
 * Session and Grant, and the tokens issued under them): the read model every page, the console's
 * session check, the provider's remembered consent and the admin dashboard read, and the deletes
 * ending access needs. Payloads are parsed by domain/sessions.ts only.
 */
import type { Db } from '../client.js';
import { applicationsOf, grantScopes, sessionFacts, sidOf, tokenSessionUid, type GrantedApplication, type SessionAuthorization } from '../../domain/sessions.js';
import { storedId } from '../../domain/bearer-values.js';
import { SEEN_INTERVAL_MS } from '../../domain/sessions.js';
import { logoutQueueIn, type DbTx, type LogoutDeliveryRepository } from './logout-deliveries.js';
import type { SessionSeen } from './oidc-payloads.js';

/** A stored session, its payload read. */
export interface StoredSession {
  /** The row id (a digest of the browser's session cookie value, never the value: domain/bearer-values.ts). */
  id: string;
  /** The session's uid (what pages show and name it by), when it has one. */
  uid: string | null;
  loginAt: Date | null;
  expiresAt: Date | null;
  authorizations: SessionAuthorization[];
  /** The browser (User-Agent) and address it was last used from, and when; null when not known. */
  userAgent: string | null;
  address: string | null;
  lastSeenAt: Date | null;
}

/** The reads and deletes of ending access, inside one transaction. */
export interface SessionEnding {
  /** Every session of the account, live or expired. */
  sessionsOf(accountId: string): Promise<StoredSession[]>;
  /** One session of the account by its uid, live or expired; null when it has none such. */
  sessionOf(accountId: string, uid: string): Promise<StoredSession | null>;
  /** The ids of the account's grants (only those to `clientId`, when given). */
  grantIdsOf(accountId: string, clientId?: string): Promise<string[]>;
  /** Deletes these sessions (by row id); returns how many. */
  deleteSessions(ids: readonly string[]): Promise<number>;
  /** Deletes every row but sessions that is the account's or issued under these grants (grants, tokens, codes). */
  deleteAccountRows(accountId: string, grantIds: readonly string[]): Promise<number>;
  /** Deletes the tokens and codes issued under these grants in the session with this uid. */
  deleteSessionTokens(grantIds: readonly string[], sessionUid: string): Promise<number>;
  /** Deletes these grants (by id). */
  deleteGrants(ids: readonly string[]): Promise<number>;
  /** Deletes the tokens and codes the account holds for one application, or issued under these grants. */
  deleteApplicationTokens(accountId: string, clientId: string, grantIds: readonly string[]): Promise<number>;
  /** The logout queue, in the same transaction. */
  deliveries: Pick<LogoutDeliveryRepository, 'queue'>;
}

export interface SessionRepository {
  /** The account's sessions live at `now` that have a uid, newest login first (unknown login times last). */
  liveSessions(accountId: string, now: Date): Promise<StoredSession[]>;
  /** The applications the account has live grants to at `now`, all grants of each together. */
  applications(accountId: string, now: Date): Promise<GrantedApplication[]>;
  /** Sessions live at `now`, of every account. */
  countLive(now: Date): Promise<number>;
  /** The account's sessions, live or expired. */
  countOf(accountId: string): Promise<number>;
  /** Is a session of the account live at `now` in which `clientId` was given `sid`? */
  isAlive(accountId: string, clientId: string, sid: string, now: Date): Promise<boolean>;
  /** The sid `clientId` was given in the session the access token (its value, as issued) was issued in; null when unknown. */
  sidOfAccessToken(accessToken: string, clientId: string): Promise<string | null>;
  /** The newest grant of the account to the application live at `now` (consent remembered). */
  rememberedGrantId(accountId: string, clientId: string, now: Date): Promise<string | undefined>;
  /** Sessions of the account that began before `at` (loginTs, whole seconds) are refused from now on, wherever they are saved again. */
  refuseSessionsBefore(accountId: string, at: Date): Promise<void>;
  /**
   * Notes that the session with this uid was used at `seen.at` from this browser and address,
   * unless it was noted less than a minute before (SEEN_INTERVAL_MS): at most one write a minute
   * per session, never one per request. Returns whether it wrote.
   */
  noteSeen(uid: string, seen: SessionSeen): Promise<boolean>;
  /** Runs `fn` in one transaction: its reads, deletes and queued logout tokens happen together or not at all. */
  ending<T>(fn: (tx: SessionEnding) => Promise<T>): Promise<T>;
}

type SessionRow = { id: string; uid: string | null; payload: string; expiresAt: Date | null; userAgent: string | null; address: string | null; lastSeenAt: Date | null };
const SESSION_COLUMNS = { id: true, uid: true, payload: true, expiresAt: true, userAgent: true, address: true, lastSeenAt: true } as const;
const liveAt = (now: Date) => ({ OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] });

function stored(row: SessionRow): StoredSession {
  const facts = sessionFacts(row.payload);
  return {
    id: row.id, uid: row.uid, expiresAt: row.expiresAt, loginAt: facts.loginAt, authorizations: facts.authorizations,
    userAgent: row.userAgent, address: row.address, lastSeenAt: row.lastSeenAt,
  };
}

/** Ending access on one transaction's client. */
class PrismaSessionEnding implements SessionEnding {
  readonly deliveries: Pick<LogoutDeliveryRepository, 'queue'>;

  constructor(private readonly tx: DbTx) {
    this.deliveries = logoutQueueIn(tx);
  }

  async sessionsOf(accountId: string): Promise<StoredSession[]> {
    return (await this.tx.oidcPayload.findMany({ where: { type: 'Session', accountId }, select: SESSION_COLUMNS })).map(stored);
  }

  async sessionOf(accountId: string, uid: string): Promise<StoredSession | null> {
    const row = await this.tx.oidcPayload.findFirst({ where: { type: 'Session', accountId, uid }, select: SESSION_COLUMNS });
    return row ? stored(row) : null;
  }

  async grantIdsOf(accountId: string, clientId?: string): Promise<string[]> {
    const rows = await this.tx.oidcPayload.findMany({ where: { type: 'Grant', accountId, ...(clientId !== undefined ? { clientId } : {}) }, select: { id: true } });
    return rows.map((r) => r.id);
  }

  async deleteSessions(ids: readonly string[]): Promise<number> {
    if (!ids.length) return 0;
    return (await this.tx.oidcPayload.deleteMany({ where: { type: 'Session', id: { in: [...ids] } } })).count;
  }

  async deleteAccountRows(accountId: string, grantIds: readonly string[]): Promise<number> {
    const { count } = await this.tx.oidcPayload.deleteMany({
      where: { type: { not: 'Session' }, OR: [{ accountId }, ...(grantIds.length ? [{ grantId: { in: [...grantIds] } }] : [])] },
    });
    return count;
  }

  async deleteSessionTokens(grantIds: readonly string[], sessionUid: string): Promise<number> {
    if (!grantIds.length) return 0;
    // tokens carry the uid of the session they were issued in (grants may be shared by sessions)
    const { count } = await this.tx.oidcPayload.deleteMany({
      where: { type: { not: 'Session' }, grantId: { in: [...grantIds] }, payload: { contains: `"sessionUid":${JSON.stringify(sessionUid)}` } },
    });
    return count;
  }

  async deleteGrants(ids: readonly string[]): Promise<number> {
    if (!ids.length) return 0;
    return (await this.tx.oidcPayload.deleteMany({ where: { type: 'Grant', id: { in: [...ids] } } })).count;
  }

  async deleteApplicationTokens(accountId: string, clientId: string, grantIds: readonly string[]): Promise<number> {
    const { count } = await this.tx.oidcPayload.deleteMany({
      where: { type: { notIn: ['Session', 'Grant'] }, OR: [{ accountId, clientId }, ...(grantIds.length ? [{ grantId: { in: [...grantIds] } }] : [])] },
    });
    return count;
  }
}

class PrismaSessionRepository implements SessionRepository {
  constructor(private readonly db: Db) {}

  async liveSessions(accountId: string, now: Date): Promise<StoredSession[]> {
    const rows = await this.db.oidcPayload.findMany({ where: { type: 'Session', accountId, ...liveAt(now) }, select: SESSION_COLUMNS });
    return rows
      .filter((r) => r.uid)
      .map(stored)
      .sort((x, y) => (y.loginAt?.getTime() ?? 0) - (x.loginAt?.getTime() ?? 0));
  }

  async applications(accountId: string, now: Date): Promise<GrantedApplication[]> {
    const rows = await this.db.oidcPayload.findMany({
      where: { type: 'Grant', accountId, ...liveAt(now) },
      select: { clientId: true, payload: true, createdAt: true, expiresAt: true },
    });
    return applicationsOf(rows.map((r) => ({ clientId: r.clientId, scopes: grantScopes(r.payload), createdAt: r.createdAt, expiresAt: r.expiresAt })));
  }

  countLive(now: Date): Promise<number> {
    return this.db.oidcPayload.count({ where: { type: 'Session', ...liveAt(now) } });
  }

  countOf(accountId: string): Promise<number> {
    return this.db.oidcPayload.count({ where: { type: 'Session', accountId } });
  }

  async isAlive(accountId: string, clientId: string, sid: string, now: Date): Promise<boolean> {
    const rows = await this.db.oidcPayload.findMany({ where: { type: 'Session', accountId, ...liveAt(now) }, select: { payload: true } });
    return rows.some((r) => sessionFacts(r.payload).authorizations.some((a) => a.clientId === clientId && a.sid === sid));
  }

  async sidOfAccessToken(accessToken: string, clientId: string): Promise<string | null> {
    const token = await this.db.oidcPayload.findUnique({ where: { type_id: { type: 'AccessToken', id: storedId('AccessToken', accessToken) } }, select: { payload: true } });
    const sessionUid = token ? tokenSessionUid(token.payload) : null;
    if (sessionUid === null) return null;
    const session = await this.db.oidcPayload.findFirst({ where: { type: 'Session', uid: sessionUid }, select: { payload: true } });
    return (session && sidOf(sessionFacts(session.payload).authorizations, clientId)) || null;
  }

  async rememberedGrantId(accountId: string, clientId: string, now: Date): Promise<string | undefined> {
    const row = await this.db.oidcPayload.findFirst({
      where: { type: 'Grant', accountId, clientId, ...liveAt(now) },
      orderBy: { createdAt: 'desc' },
      select: { id: true },
    });
    return row?.id;
  }

  async refuseSessionsBefore(accountId: string, at: Date): Promise<void> {
    await this.db.account.updateMany({ where: { id: accountId }, data: { sessionsNotBefore: at } });
  }

  async noteSeen(uid: string, seen: SessionSeen): Promise<boolean> {
    const before = new Date(seen.at.getTime() - SEEN_INTERVAL_MS);
    const { count } = await this.db.oidcPayload.updateMany({
      where: { type: 'Session', uid, OR: [{ lastSeenAt: null }, { lastSeenAt: { lte: before } }] },
      data: { lastSeenAt: seen.at, ...(seen.userAgent ? { userAgent: seen.userAgent } : {}), ...(seen.address ? { address: seen.address } : {}) },
    });
    return count > 0;
  }

  ending<T>(fn: (tx: SessionEnding) => Promise<T>): Promise<T> {
    return this.db.$transaction((tx) => fn(new PrismaSessionEnding(tx)), { maxWait: 10_000, timeout: 15_000 });
  }
}

export function createSessionRepository(db: Db): SessionRepository {
  return new PrismaSessionRepository(db);
}
