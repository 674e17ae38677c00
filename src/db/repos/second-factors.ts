/**
 * The second factor as stored: TOTP authenticators (the secret sealed, never in the clear),
 * recovery codes and enrolment codes (hashed), and since when a person has had to use one.
 * Every "use once" is one conditional write, so two instances on the same database agree: a
 * TOTP time step is accepted by the compare-and-set that moves lastStep forward, a recovery or
 * enrolment code by the update that sets its usedAt.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../client.js';

export interface TotpRecord {
  id: string;
  accountId: string;
  secretSealed: string;
  createdAt: Date;
  confirmedAt: Date | null;
  lastStep: number | null;
}

export interface SecondFactorRepository {
  /** The account's TOTP authenticator, confirmed or pending, if any. */
  totpOf(accountId: string): Promise<TotpRecord | null>;
  /** A new pending authenticator (replacing a pending one); null when a confirmed one exists. `seal(id)` seals the secret for that row. */
  startTotp(accountId: string, seal: (id: string) => string): Promise<TotpRecord | null>;
  /** Marks the pending authenticator confirmed with the step of its first code; false when it was confirmed meanwhile or is gone. */
  confirmTotp(id: string, step: number, at: Date): Promise<boolean>;
  /** Accepts time step `step` once: true only for the one caller that moved lastStep forward to it. */
  useTotpStep(id: string, step: number): Promise<boolean>;
  /** Replaces the account's recovery codes with these hashes. */
  replaceRecoveryCodes(accountId: string, hashes: readonly string[]): Promise<void>;
  /** Marks the unused recovery code with this hash used; false when there is none (wrong, or used before). */
  useRecoveryCode(accountId: string, hash: string, at: Date): Promise<boolean>;
  /** How many unused recovery codes the account has. */
  recoveryCodesLeft(accountId: string): Promise<number>;
  /** Stores a new enrolment code for the account (the older ones withdrawn). */
  issueEnrolCode(accountId: string, hash: string, expiresAt: Date, issuedBy: string | null): Promise<void>;
  /** Uses the account's live enrolment code with this hash; false when wrong, expired or used. */
  useEnrolCode(accountId: string, hash: string, at: Date): Promise<boolean>;
  /** Since when the account has had to use a second factor: `at` on the first call, the stored time after. */
  requiredSince(accountId: string, at: Date): Promise<Date>;
  /** Removes every factor and code of the account; true when it had a confirmed authenticator. */
  reset(accountId: string): Promise<boolean>;
  /** Accounts with a confirmed factor, by method ('totp'). */
  enrolledCounts(): Promise<Record<string, number>>;
}

export function createSecondFactorRepository(prisma: Db): SecondFactorRepository {
  return {
    totpOf: (accountId) => prisma.mfaTotp.findUnique({ where: { accountId } }),

    async startTotp(accountId, seal) {
      const existing = await prisma.mfaTotp.findUnique({ where: { accountId } });
      if (existing?.confirmedAt) return null;
      if (existing) await prisma.mfaTotp.deleteMany({ where: { id: existing.id, confirmedAt: null } });
      const id = randomUUID();
      try {
        return await prisma.mfaTotp.create({ data: { id, accountId, secretSealed: seal(id) } });
      } catch {
        // another enrolment started at the same moment: theirs stands
        return null;
      }
    },

    async confirmTotp(id, step, at) {
      const { count } = await prisma.mfaTotp.updateMany({ where: { id, confirmedAt: null }, data: { confirmedAt: at, lastStep: step } });
      return count === 1;
    },

    async useTotpStep(id, step) {
      // one compare-and-set: UPDATE ... SET lastStep = step WHERE id AND (lastStep IS NULL OR lastStep < step)
      const { count } = await prisma.mfaTotp.updateMany({
        where: { id, confirmedAt: { not: null }, OR: [{ lastStep: null }, { lastStep: { lt: step } }] },
        data: { lastStep: step },
      });
      return count === 1;
    },

    ...codeRepository(prisma),
    ...resetAndCounts(prisma),
  };
}

/** Recovery and enrolment codes, and the requirement's start. */
function codeRepository(prisma: Db): Pick<SecondFactorRepository, 'replaceRecoveryCodes' | 'useRecoveryCode' | 'recoveryCodesLeft' | 'issueEnrolCode' | 'useEnrolCode' | 'requiredSince'> {
  return {
    async replaceRecoveryCodes(accountId, hashes) {
      await prisma.$transaction([
        prisma.mfaRecoveryCode.deleteMany({ where: { accountId } }),
        prisma.mfaRecoveryCode.createMany({ data: hashes.map((codeHash) => ({ id: randomUUID(), accountId, codeHash })) }),
      ]);
    },

    async useRecoveryCode(accountId, hash, at) {
      const { count } = await prisma.mfaRecoveryCode.updateMany({ where: { accountId, codeHash: hash, usedAt: null }, data: { usedAt: at } });
      return count === 1;
    },

    recoveryCodesLeft: (accountId) => prisma.mfaRecoveryCode.count({ where: { accountId, usedAt: null } }),

    async issueEnrolCode(accountId, hash, expiresAt, issuedBy) {
      await prisma.$transaction([
        prisma.mfaEnrolCode.deleteMany({ where: { accountId } }),
        prisma.mfaEnrolCode.create({ data: { id: randomUUID(), accountId, codeHash: hash, expiresAt, issuedBy } }),
      ]);
    },

    async useEnrolCode(accountId, hash, at) {
      const { count } = await prisma.mfaEnrolCode.updateMany({ where: { accountId, codeHash: hash, usedAt: null, expiresAt: { gt: at } }, data: { usedAt: at } });
      return count === 1;
    },

    async requiredSince(accountId, at) {
      const found = await prisma.mfaRequirement.findUnique({ where: { accountId } });
      if (found) return found.requiredSince;
      try {
        await prisma.mfaRequirement.create({ data: { accountId, requiredSince: at } });
        return at;
      } catch {
        // another instance stored it first
        return (await prisma.mfaRequirement.findUnique({ where: { accountId } }))?.requiredSince ?? at;
      }
    },
  };
}

function resetAndCounts(prisma: Db): Pick<SecondFactorRepository, 'reset' | 'enrolledCounts'> {
  return {

    async reset(accountId) {
      const [totp] = await prisma.$transaction([
        prisma.mfaTotp.deleteMany({ where: { accountId, confirmedAt: { not: null } } }),
        prisma.mfaTotp.deleteMany({ where: { accountId } }),
        prisma.mfaRecoveryCode.deleteMany({ where: { accountId } }),
        prisma.mfaEnrolCode.deleteMany({ where: { accountId } }),
      ]);
      return totp.count > 0;
    },

    async enrolledCounts() {
      return { totp: await prisma.mfaTotp.count({ where: { confirmedAt: { not: null } } }) };
    },
  };
}
