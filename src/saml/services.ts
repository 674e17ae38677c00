/** The SAML identity provider's services, built once by the composition root. */
import type { SamlRepository } from '../db/repos/saml.js';
import type { AuditRecorder } from '../audit/log.js';
import type { ClientService } from '../clients/service.js';
import { createSamlKeyStore, type SamlKeyStore } from './keys.js';
import { createSamlRegistry, type SamlRegistry } from './service-providers.js';
import { fetchMetadata } from './metadata-url.js';

export interface SamlServices {
  repo: SamlRepository;
  keys: SamlKeyStore;
  registry: SamlRegistry;
}

export function createSamlServices(repo: SamlRepository, o: { issuer: string; keyEncryptionSecret: string; clients: ClientService; audit?: AuditRecorder | undefined }): SamlServices {
  return {
    repo,
    keys: createSamlKeyStore(repo, { issuer: o.issuer, secret: o.keyEncryptionSecret, audit: o.audit }),
    registry: createSamlRegistry({ repo, clients: o.clients, issuer: o.issuer, keyEncryptionSecret: o.keyEncryptionSecret, audit: o.audit, fetchMetadata: (url) => fetchMetadata(url) }),
  };
}
