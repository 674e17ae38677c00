/** The repositories a service is built on, over a test database, as the composition root builds them. */
import type { Db } from '../../src/db/client.js';
import { createAccountRepository } from '../../src/db/repos/accounts.js';
import { createSessionRepository } from '../../src/db/repos/sessions.js';
import { createClientRepository } from '../../src/db/repos/clients.js';
import type { AccountStores } from '../../src/accounts/service.js';

export function accountStores(prisma: Db): AccountStores {
  return { accounts: createAccountRepository(prisma), sessions: createSessionRepository(prisma), clients: createClientRepository(prisma) };
}
