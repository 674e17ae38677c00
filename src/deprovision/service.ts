/**
 * Deprovisioning: ending an account's access (end-access.ts) and delivering the back-channel
 * logout tokens that tells its applications (delivery-worker.ts), composed as the one service the
 * server, the console, the sync and the CLI call. Deliveries live in the database
 * (db/repos/logout-deliveries.ts), so any instance on it (or the CLI) can send them.
 */
import type { Logger } from '../util/logger.js';
import type { AuditRecorder } from '../audit/log.js';
import type { SessionRepository } from '../db/repos/sessions.js';
import type { DeliveryListOptions, DeliveryRow, LogoutDeliveryRepository } from '../db/repos/logout-deliveries.js';
import { AccessEnder, type EndAccessResult } from './end-access.js';
import { DeliveryWorker, type DeliveryPass, type DeliveryWorkerOptions } from './delivery-worker.js';

export type { EndAccessResult } from './end-access.js';
export type { DeliveryPass } from './delivery-worker.js';
export type { DeliveryListOptions, DeliveryRow } from '../db/repos/logout-deliveries.js';
export { DELIVERY_STATUSES, type DeliveryStatus } from '../domain/logout-deliveries.js';

export interface DeprovisionerOptions extends Omit<DeliveryWorkerOptions, 'deliveries'> {
  sessions: SessionRepository;
  deliveries: LogoutDeliveryRepository;
  /** Records account.access_ended, account.session_ended and account.application_revoked with the counts. */
  audit?: AuditRecorder | undefined;
  logger: Logger;
}

export interface Deprovisioner {
  /** Ends every session, grant and token of the account; its applications are told. */
  endAccess(accountId: string, reason: string): Promise<EndAccessResult>;
  /** Ends one session (by uid) and the tokens issued in it; null when the account has no such session. */
  endSession(accountId: string, sessionUid: string, reason: string): Promise<EndAccessResult | null>;
  /** Withdraws the account's consent to one application; the application is told. */
  revokeApplication(accountId: string, clientId: string, reason: string): Promise<EndAccessResult>;
  /** Queues one application's logout token for a session ended at the IdP; false when it cannot be told. */
  queueLogout(clientId: string, accountId: string, sid: string | null, reason: string): Promise<boolean>;
  /** Delivers every due logout token now (the CLI, with no server running). */
  deliverDue(): Promise<DeliveryPass>;
  /** Wakes the delivery loop. */
  kick(): void;
  /** Starts the delivery loop. */
  start(): void;
  /** Stops the delivery loop and waits for the deliveries in flight. */
  stop(): Promise<void>;
  /** The deliveries, newest first. */
  list(o?: DeliveryListOptions): Promise<DeliveryRow[]>;
}

export function createDeprovisioner(opts: DeprovisionerOptions): Deprovisioner {
  const worker = new DeliveryWorker(opts);
  const ender = new AccessEnder({ sessions: opts.sessions, deliveries: opts.deliveries, logger: opts.logger, audit: opts.audit, now: opts.now, onQueued: () => worker.kick() });
  return {
    endAccess: (accountId, reason) => ender.endAccess(accountId, reason),
    endSession: (accountId, sessionUid, reason) => ender.endSession(accountId, sessionUid, reason),
    revokeApplication: (accountId, clientId, reason) => ender.revokeApplication(accountId, clientId, reason),
    queueLogout: (clientId, accountId, sid, reason) => ender.queueLogout(clientId, accountId, sid, reason),
    deliverDue: () => worker.deliverDue(),
    kick: () => worker.kick(),
    start: () => worker.start(),
    stop: () => worker.stop(),
    list: (o) => opts.deliveries.list(o),
  };
}
