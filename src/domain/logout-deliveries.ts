/**
 * Back-channel logout deliveries: who is told when sessions end, and what becomes of a delivery
 * after an attempt (delivered, retried after an exponential back-off, or given up). Pure.
 */
import { isLive, type SessionAuthorization } from './sessions.js';

export const DELIVERY_STATUSES = ['pending', 'sending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const DEFAULT_BACKOFF_BASE_MS = 1000;
export const MAX_BACKOFF_MS = 5 * 60 * 1000;

/** One logout token to send: to this application, for this session id (null: the account's every session there). */
export interface LogoutTarget {
  clientId: string;
  sid: string | null;
}

/** What ending some sessions means: the (application, sid) pairs to tell, and the grants the sessions name. */
export interface LogoutPlan {
  targets: LogoutTarget[];
  grantIds: string[];
}

/** Delay before the attempt after failed attempt number `attempt` (1-based). */
export function backoffMs(attempt: number, baseMs = DEFAULT_BACKOFF_BASE_MS): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempt - 1), MAX_BACKOFF_MS);
}

/**
 * The applications to tell when these sessions end: each (application, sid) of a session still
 * live at `at`, once (only `onlyClient`'s, when given); and the grants every one of them names,
 * live or not. Whether an application can be told (active, with a back-channel logout URI) is
 * the queue's to know.
 */
export function logoutPlan(sessions: readonly { expiresAt: Date | null; authorizations: readonly SessionAuthorization[] }[], at: Date, onlyClient?: string): LogoutPlan {
  const targets = new Map<string, LogoutTarget>();
  const grantIds = new Set<string>();
  for (const s of sessions) {
    const live = isLive(s.expiresAt, at);
    for (const a of s.authorizations) {
      if (onlyClient !== undefined && a.clientId !== onlyClient) continue;
      if (a.grantId) grantIds.add(a.grantId);
      if (live) targets.set(`${a.clientId}\u0000${a.sid ?? ''}`, { clientId: a.clientId, sid: a.sid });
    }
  }
  return { targets: [...targets.values()], grantIds: [...grantIds] };
}

/** How an attempt went: the application answered 2xx, or the error recorded (never the request). */
export type AttemptOutcome = { ok: true } | { ok: false; error: string };

/** What a delivery becomes after an attempt. */
export type Settlement =
  | { status: 'delivered'; deliveredAt: Date; lastError: null }
  | { status: 'failed'; lastError: string }
  | { status: 'pending'; nextAttemptAt: Date; lastError: string };

/**
 * After attempt number `attempt` (1-based) ended at `at`: delivered; failed once `maxAttempts`
 * are spent; otherwise pending again after the back-off.
 */
export function settlementOf(outcome: AttemptOutcome, attempt: number, maxAttempts: number, at: Date, backoffBaseMs = DEFAULT_BACKOFF_BASE_MS): Settlement {
  if (outcome.ok) return { status: 'delivered', deliveredAt: at, lastError: null };
  if (attempt >= maxAttempts) return { status: 'failed', lastError: outcome.error };
  return { status: 'pending', nextAttemptAt: new Date(at.getTime() + backoffMs(attempt, backoffBaseMs)), lastError: outcome.error };
}
