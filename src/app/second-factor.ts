/** The second factor's use case on this database and configuration: built once, for `serve` and the CLI. */
import type { Config } from '../config/load.js';
import type { Db } from '../db/client.js';
import type { AuditRecorder } from '../audit/log.js';
import type { LoginThrottle } from '../db/repos/throttle.js';
import { createSecondFactorRepository } from '../db/repos/second-factors.js';
import { factorSecrets } from '../second-factor/codes.js';
import { createSecondFactorService, type SecondFactorService } from '../second-factor/service.js';
import { consoleRole } from '../admin/policy.js';

export function buildSecondFactors(config: Config, prisma: Db, throttle: LoginThrottle, audit: AuditRecorder): SecondFactorService {
  return createSecondFactorService({
    repo: createSecondFactorRepository(prisma),
    secrets: factorSecrets(config.keyEncryptionSecret),
    throttle,
    audit,
    roleOf: (account) => consoleRole(account, config.admin),
    settings: {
      requiredGroups: config.mfa.requiredGroups,
      consoleRolesRequired: config.mfa.consoleRequired,
      enrolGraceSeconds: config.mfa.enrolGraceSeconds,
      issuerLabel: config.brand.name ?? new URL(config.issuer).host,
    },
  });
}
