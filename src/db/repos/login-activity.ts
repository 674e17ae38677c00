/**
 * A person's recent sign-ins, read from the audit trail for "My account": the successes recorded
 * with the account as subject and the failures recorded with one of its logins as the login
 * typed (a failed attempt names no account), newest first. One statement; each half reads its
 * own index (AuditEvent (subject, type, at) and (actor, type, at)) newest first and stops at the
 * limit, so neither scans the trail.
 */
import type { Db } from '../client.js';
import { Prisma } from '../generated/sqlite/client.js';

/** One sign-in attempt as the trail holds it. */
export interface LoginEventRecord {
  seq: number;
  at: Date;
  /** A sign-in, or a change of the person's second factor (turned on, a recovery code used, reset). */
  type: 'login.success' | 'login.failure' | SecondFactorEventType;
  /** "success", or why not (invalid_credentials, throttled, ...). */
  outcome: string;
  clientId: string | null;
  ip: string | null;
  /** The browser's User-Agent recorded with the attempt, when it was. */
  userAgent: string | null;
}

/** The second factor's events a person sees among their sign-ins (by subject); a failed code after a right password says the password is known. */
export const SECOND_FACTOR_ACTIVITY = ['mfa.enrolled', 'mfa.recovery_used', 'mfa.reset', 'mfa.failed'] as const;
export type SecondFactorEventType = (typeof SECOND_FACTOR_ACTIVITY)[number];

export interface LoginActivityRepository {
  /** The newest `limit` sign-ins of the account: successes by its id, failures by the logins it is typed as. */
  recent(accountId: string, logins: readonly string[], limit: number): Promise<LoginEventRecord[]>;
}

type Raw = { seq: number | bigint; at: Date | string | number; type: string; outcome: string; clientId: string | null; ip: string | null; detail: string };

function userAgentIn(detail: string): string | null {
  try {
    const v = (JSON.parse(detail) as { user_agent?: unknown }).user_agent;
    return typeof v === 'string' && v ? v : null;
  } catch {
    return null;
  }
}

const COLUMNS = Prisma.sql`"seq", "at", "type", "outcome", "clientId", "ip", "detail"`;

export function createLoginActivityRepository(prisma: Db): LoginActivityRepository {
  return {
    async recent(accountId, logins, limit) {
      const n = Math.max(1, Math.min(Math.trunc(limit), 200));
      const failures = logins.length
        ? Prisma.sql`UNION ALL SELECT * FROM (SELECT ${COLUMNS} FROM "AuditEvent" WHERE "actor" IN (${Prisma.join([...logins])}) AND "type" = 'login.failure' ORDER BY "at" DESC LIMIT ${n}) f`
        : Prisma.empty;
      const factor = Prisma.sql`UNION ALL SELECT * FROM (SELECT ${COLUMNS} FROM "AuditEvent" WHERE "subject" = ${accountId} AND "type" IN (${Prisma.join([...SECOND_FACTOR_ACTIVITY])}) ORDER BY "at" DESC LIMIT ${n}) m`;
      const rows = await prisma.$queryRaw<Raw[]>`
        SELECT * FROM (
          SELECT * FROM (SELECT ${COLUMNS} FROM "AuditEvent" WHERE "subject" = ${accountId} AND "type" = 'login.success' ORDER BY "at" DESC LIMIT ${n}) s
          ${failures}
          ${factor}
        ) e ORDER BY "at" DESC, "seq" DESC LIMIT ${n}`;
      return rows.map((r) => ({
        seq: Number(r.seq),
        at: r.at instanceof Date ? r.at : new Date(r.at),
        type: r.type === 'login.success' ? 'login.success' : (SECOND_FACTOR_ACTIVITY as readonly string[]).includes(r.type) ? (r.type as SecondFactorEventType) : 'login.failure',
        outcome: r.outcome,
        clientId: r.clientId,
        ip: r.ip,
        userAgent: userAgentIn(r.detail),
      }));
    },
  };
}
