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
  /** A sign-in, or a change of how the account signs in (a second factor turned on or reset, a key registered or removed, a recovery code used, a wrong code after a right password). */
  type: 'login.success' | 'login.failure' | AccountSecurityEvent;
  /** "success", or why not (invalid_credentials, throttled, ...). */
  outcome: string;
  clientId: string | null;
  ip: string | null;
  /** The browser's User-Agent recorded with the attempt, when it was. */
  userAgent: string | null;
  /** For a change of the account's sign-in methods: the security key's name (detail.name), when recorded. */
  name?: string | null;
}

/**
 * Changes of how the account signs in, shown with its sign-ins (each read from the subject's
 * index like the successes): security keys and passkeys registered and removed, the second
 * factor turned on or reset, a recovery code used, and a failed code after a right password
 * (it says the password is known).
 */
export const ACCOUNT_SECURITY_EVENTS = ['webauthn.registered', 'webauthn.removed', 'mfa.enrolled', 'mfa.recovery_used', 'mfa.reset', 'mfa.failed'] as const;
export type AccountSecurityEvent = (typeof ACCOUNT_SECURITY_EVENTS)[number];
const isSecurityEvent = (t: string): t is AccountSecurityEvent => (ACCOUNT_SECURITY_EVENTS as readonly string[]).includes(t);

export interface LoginActivityRepository {
  /** The newest `limit` sign-ins of the account: successes by its id, failures by the logins it is typed as. */
  recent(accountId: string, logins: readonly string[], limit: number): Promise<LoginEventRecord[]>;
}

type Raw = { seq: number | bigint; at: Date | string | number; type: string; outcome: string; clientId: string | null; ip: string | null; detail: string };

function detailString(detail: string, member: 'user_agent' | 'name'): string | null {
  try {
    const v = (JSON.parse(detail) as Record<string, unknown>)[member];
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
      const changes = Prisma.join(ACCOUNT_SECURITY_EVENTS.map((t) => Prisma.sql`UNION ALL SELECT * FROM (SELECT ${COLUMNS} FROM "AuditEvent" WHERE "subject" = ${accountId} AND "type" = ${t} ORDER BY "at" DESC LIMIT ${n}) ${Prisma.raw(`c_${t.replace(/\W/g, '_')}`)}`), ' ');
      const rows = await prisma.$queryRaw<Raw[]>`
        SELECT * FROM (
          SELECT * FROM (SELECT ${COLUMNS} FROM "AuditEvent" WHERE "subject" = ${accountId} AND "type" = 'login.success' ORDER BY "at" DESC LIMIT ${n}) s
          ${failures}
          ${changes}
        ) e ORDER BY "at" DESC, "seq" DESC LIMIT ${n}`;
      return rows.map((r) => ({
        seq: Number(r.seq),
        at: r.at instanceof Date ? r.at : new Date(r.at),
        type: r.type === 'login.success' ? 'login.success' : isSecurityEvent(r.type) ? r.type : 'login.failure',
        outcome: r.outcome,
        clientId: r.clientId,
        ip: r.ip,
        userAgent: detailString(r.detail, 'user_agent'),
        ...(isSecurityEvent(r.type) ? { name: detailString(r.detail, 'name') } : {}),
      }));
    },
  };
}
