/**
 * Ending an account's access: its sessions, grants and every token issued under them are
 * deleted, so refresh fails and introspection says inactive at once. (Back-channel logout
 * notifications to the applications are sent by the deprovisioning queue.)
 */
import type { Db } from '../db/client.js';

export function createSessionService(prisma: Db) {
  return {
    /** Deletes all sessions, grants and tokens of an account; returns how many rows went. */
    async revokeAll(accountId: string): Promise<number> {
      const grants = await prisma.oidcPayload.findMany({ where: { type: 'Grant', accountId }, select: { id: true } });
      const grantIds = grants.map((g) => g.id);
      const { count } = await prisma.oidcPayload.deleteMany({
        where: { OR: [{ accountId }, ...(grantIds.length ? [{ grantId: { in: grantIds } }] : [])] },
      });
      return count;
    },
    async countActive(accountId: string): Promise<number> {
      return prisma.oidcPayload.count({ where: { type: 'Session', accountId, OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }] } });
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
