/** oidc-provider's storage adapter and garbage collection on a test database, built as the server builds them. */
import type { Db } from '../../src/db/client.js';
import { createAdapterFactory, type AdapterFactory } from '../../src/oidc/adapter/payload-adapter.js';
import { createOidcPayloadRepository } from '../../src/db/repos/oidc-payloads.js';
import { activeClientLoader } from '../../src/clients/cache.js';
import { createClientRepository } from '../../src/db/repos/clients.js';

export function adapterFactory(prisma: Db): AdapterFactory {
  return createAdapterFactory(createOidcPayloadRepository(prisma), { loadClient: activeClientLoader(createClientRepository(prisma)) });
}

export function collectGarbage(prisma: Db, now = new Date()): Promise<number> {
  return createOidcPayloadRepository(prisma).collectGarbage(now);
}
