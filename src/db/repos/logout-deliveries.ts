/**
 * The back-channel logout queue: one LogoutDelivery row per logout token to send (application,
 * session id), with its status, attempts and next attempt time. Any instance on the database (or
 * the CLI) may send them: a row is claimed with a conditional UPDATE (pending -> sending, its
 * lease in nextAttemptAt and the attempt count as a version), so two instances never send the
 * same attempt, and a row left in `sending` by an instance that died is due again when its lease
 * runs out. Tokens are never stored.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../client.js';
import type { DeliveryStatus, LogoutTarget, Settlement } from '../../domain/logout-deliveries.js';

/** The database client, or one transaction's. */
export type DbTx = Parameters<Parameters<Db['$transaction']>[0]>[0];

export interface DeliveryRow {
  id: string;
  accountId: string;
  clientId: string;
  sid: string | null;
  uri: string;
  /** backchannel (an OpenID Connect logout token) or saml_soap (a SAML LogoutRequest over SOAP). */
  kind: string;
  reason: string;
  status: string;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

export interface DeliveryListOptions {
  status?: DeliveryStatus | undefined;
  accountId?: string | undefined;
  /** 1 to 10 000; default 100. */
  limit?: number | undefined;
}

export interface LogoutQueueRequest {
  accountId: string;
  reason: string;
  /** Created and first due at. */
  at: Date;
  targets: readonly LogoutTarget[];
}

/** As the admin dashboard shows them. */
export interface DeliveryCounts {
  /** Given up. */
  failed: number;
  /** Pending or sending after at least one failed attempt. */
  retrying: number;
}

/** The version of a row a claim is conditional on: unchanged since it was read. */
export type DeliveryVersion = Pick<DeliveryRow, 'id' | 'status' | 'attempts'>;

export interface LogoutDeliveryRepository {
  /**
   * Queues a pending row per target whose application is active and has a back-channel logout
   * URI (the URI is copied into the row); returns how many were queued.
   */
  queue(q: LogoutQueueRequest): Promise<number>;
  /** Rows pending or sending whose next attempt (or lease end) is at or before `at`, soonest first. */
  due(at: Date, limit: number): Promise<DeliveryRow[]>;
  /**
   * Claims a due row for its next attempt: sending, attempts + 1, leased until `leaseUntil`. False
   * when the row changed since it was read (another instance has it) or is no longer due.
   */
  claim(row: DeliveryVersion, at: Date, leaseUntil: Date): Promise<boolean>;
  /** Marks failed a due row nobody may attempt again (its last attempt's sender died), if unchanged since read. */
  abandon(row: DeliveryVersion, at: Date, lastError: string): Promise<boolean>;
  /** Records how attempt number `attempt` went, if the row is still that attempt's claim. */
  settle(id: string, attempt: number, settlement: Settlement): Promise<boolean>;
  /** When the next pending or sending row is due; null when none is. */
  nextDueAt(): Promise<Date | null>;
  /** Newest first. */
  list(o?: DeliveryListOptions): Promise<DeliveryRow[]>;
  counts(): Promise<DeliveryCounts>;
}

const UNSETTLED = ['pending', 'sending'];
const SAML_SOAP_BINDING = 'urn:oasis:names:tc:SAML:2.0:bindings:SOAP';

class PrismaLogoutDeliveryRepository implements LogoutDeliveryRepository {
  constructor(private readonly db: DbTx) {}

  async queue(q: LogoutQueueRequest): Promise<number> {
    const clientIds = [...new Set(q.targets.map((t) => t.clientId))];
    if (!clientIds.length) return 0;
    const clients = await this.db.client.findMany({
      where: { id: { in: clientIds }, status: 'active', backchannelLogoutUri: { not: null } },
      select: { id: true, backchannelLogoutUri: true },
    });
    const uriOf = new Map(clients.map((c) => [c.id, c.backchannelLogoutUri!]));
    const soap = await this.samlSoapTargets(q.targets, clientIds);
    const rows = q.targets
      .filter((t) => uriOf.has(t.clientId))
      .map((t) => ({ id: randomUUID(), accountId: q.accountId, clientId: t.clientId, sid: t.sid, uri: uriOf.get(t.clientId)!, kind: 'backchannel', reason: q.reason, status: 'pending', attempts: 0, nextAttemptAt: q.at, createdAt: q.at }))
      .concat(soap.map((t) => ({ id: randomUUID(), accountId: q.accountId, clientId: t.clientId, sid: t.sid, uri: t.uri, kind: 'saml_soap', reason: q.reason, status: 'pending', attempts: 0, nextAttemptAt: q.at, createdAt: q.at })));
    if (rows.length) await this.db.logoutDelivery.createMany({ data: rows });
    return rows.length;
  }

  /**
   * The SAML SPs (by their linked clients) with a SOAP SingleLogoutService that the sessions
   * entered (a SamlSession row for the sid): one LogoutRequest each.
   */
  private async samlSoapTargets(targets: readonly LogoutTarget[], clientIds: string[]): Promise<{ clientId: string; sid: string; uri: string }[]> {
    const sps = await this.db.samlServiceProvider.findMany({ where: { clientId: { in: clientIds }, status: 'active' }, select: { clientId: true, entityId: true, sloUrls: true } });
    const out: { clientId: string; sid: string; uri: string }[] = [];
    for (const sp of sps) {
      const soap = (JSON.parse(sp.sloUrls) as { binding: string; url: string }[]).find((e) => e.binding === SAML_SOAP_BINDING);
      if (!soap) continue;
      const sids = targets.filter((t) => t.clientId === sp.clientId && t.sid).map((t) => t.sid!);
      const entered = await this.db.samlSession.findMany({ where: { spEntityId: sp.entityId, sid: { in: sids } }, select: { sid: true } });
      for (const e of entered) out.push({ clientId: sp.clientId, sid: e.sid, uri: soap.url });
    }
    return out;
  }

  due(at: Date, limit: number): Promise<DeliveryRow[]> {
    return this.db.logoutDelivery.findMany({
      where: { status: { in: UNSETTLED }, nextAttemptAt: { lte: at } },
      orderBy: { nextAttemptAt: 'asc' },
      take: limit,
    });
  }

  async claim(row: DeliveryVersion, at: Date, leaseUntil: Date): Promise<boolean> {
    const { count } = await this.db.logoutDelivery.updateMany({
      where: { id: row.id, status: row.status, attempts: row.attempts, nextAttemptAt: { lte: at } },
      data: { status: 'sending', attempts: row.attempts + 1, nextAttemptAt: leaseUntil },
    });
    return count === 1;
  }

  async abandon(row: DeliveryVersion, at: Date, lastError: string): Promise<boolean> {
    const { count } = await this.db.logoutDelivery.updateMany({
      where: { id: row.id, status: row.status, attempts: row.attempts, nextAttemptAt: { lte: at } },
      data: { status: 'failed', lastError },
    });
    return count === 1;
  }

  async settle(id: string, attempt: number, settlement: Settlement): Promise<boolean> {
    const { count } = await this.db.logoutDelivery.updateMany({ where: { id, status: 'sending', attempts: attempt }, data: settlement });
    return count === 1;
  }

  async nextDueAt(): Promise<Date | null> {
    const next = await this.db.logoutDelivery.findFirst({
      where: { status: { in: UNSETTLED } },
      orderBy: { nextAttemptAt: 'asc' },
      select: { nextAttemptAt: true },
    });
    return next?.nextAttemptAt ?? null;
  }

  list(o: DeliveryListOptions = {}): Promise<DeliveryRow[]> {
    return this.db.logoutDelivery.findMany({
      where: { ...(o.status ? { status: o.status } : {}), ...(o.accountId ? { accountId: o.accountId } : {}) },
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      take: Math.max(1, Math.min(o.limit ?? 100, 10_000)),
    });
  }

  async counts(): Promise<DeliveryCounts> {
    const [failed, retrying] = await Promise.all([
      this.db.logoutDelivery.count({ where: { status: 'failed' } }),
      this.db.logoutDelivery.count({ where: { status: { in: UNSETTLED }, attempts: { gt: 0 } } }),
    ]);
    return { failed, retrying };
  }
}

export function createLogoutDeliveryRepository(db: Db): LogoutDeliveryRepository {
  return new PrismaLogoutDeliveryRepository(db);
}

/** The queue inside a transaction (ending access queues its logout tokens with the deletes). */
export function logoutQueueIn(tx: DbTx): Pick<LogoutDeliveryRepository, 'queue'> {
  return new PrismaLogoutDeliveryRepository(tx);
}
