/** The second factor's use case on this database and configuration: built once, for `serve` and the CLI. */
import type { Config } from '../config/load.js';
import type { Db } from '../db/client.js';
import type { AuditRecorder } from '../audit/log.js';
import type { LoginThrottle } from '../db/repos/throttle.js';
import { createSecondFactorRepository } from '../db/repos/second-factors.js';
import { factorSecrets } from '../second-factor/codes.js';
import { createSecondFactorService, type SecondFactorDeps, type SecondFactorService } from '../second-factor/service.js';
import { consoleRole } from '../admin/policy.js';
import type { SecurityNotices } from '../mail/notices.js';

export function buildSecondFactors(config: Config, prisma: Db, throttle: LoginThrottle, audit: AuditRecorder, more: Pick<SecondFactorDeps, 'notices' | 'otherFactors'> = {}): SecondFactorService {
  return createSecondFactorService({
    repo: createSecondFactorRepository(prisma),
    secrets: factorSecrets(config.keyEncryptionSecret),
    throttle,
    audit,
    ...more,
    roleOf: (account) => consoleRole(account, config.admin),
    settings: {
      requiredGroups: config.mfa.requiredGroups,
      consoleRolesRequired: config.mfa.consoleRequired,
      enrolGraceSeconds: config.mfa.enrolGraceSeconds,
      issuerLabel: config.brand.name ?? new URL(config.issuer).host,
    },
  });
}
