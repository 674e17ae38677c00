/**
 * The certificate login's parts, built once at start when CERT_LOGIN_URL is set: the CAs and
 * CRLs (start-up stops when CERT_CA_FILE cannot be used), the signed return values, the use
 * cases. Undefined otherwise.
 */
import type { Config } from '../config/load.js';
import type { Logger } from '../util/logger.js';
import type { Services } from './container.js';
import type { DirectoryConnector } from '../directory/types.js';
import { openTrustStore } from '../certificate/trust.js';
import { returnValues } from '../certificate/return-value.js';
import { createCertificateLogin, type CertificateLogin } from '../certificate/login.js';

export async function openCertificateLogin(config: Config, services: Pick<Services, 'accountRepo' | 'audit'>, logger: Logger, directory?: DirectoryConnector): Promise<CertificateLogin | undefined> {
  const c = config.certificate;
  if (!c) return undefined;
  const trust = await openTrustStore({ caFile: c.caFile, crlFile: c.crlFile, logger });
  logger.info({ event: 'cert.enabled', url: c.loginUrl, map: typeof c.map === 'object' ? `attribute:${c.map.attribute}` : c.map, first_factor: c.firstFactor, crl: Boolean(c.crlFile) }, 'certificate login on');
  return createCertificateLogin({
    settings: c,
    trustedProxies: config.trustedProxies,
    trust,
    accounts: services.accountRepo,
    directory,
    values: returnValues(config.cookieKeys),
    audit: services.audit,
    logger,
  });
}
