/**
 * The services the server and the CLI share, built from one Config. The CLI uses these
 * directly (never the HTTP API), so both act on the database the same way.
 */
import type { Config } from './config/load.js';
import { openDatabase, type Database } from './db/client.js';
import { migrate } from './db/migrate.js';
import { createAccountService, type AccountService } from './accounts/service.js';
import { createClientService, type ClientService } from './clients/service.js';
import { createKeyStore, type KeyStore } from './oidc/keys/store.js';
import { createSessionService, type SessionService } from './accounts/sessions.js';

export interface Services {
  config: Config;
  db: Database;
  accounts: AccountService;
  clients: ClientService;
  keys: KeyStore;
  sessions: SessionService;
  close(): Promise<void>;
}

export async function openServices(config: Config, opts: { migrate?: boolean } = {}): Promise<Services> {
  if (opts.migrate !== false) await migrate(config.databaseUrl);
  const db = await openDatabase(config.databaseUrl, { poolSize: config.databasePoolSize });
  return {
    config,
    db,
    accounts: createAccountService(db.prisma),
    clients: createClientService(db.prisma),
    keys: createKeyStore(db.prisma, { secret: config.keyEncryptionSecret, algs: config.signingAlgs }),
    sessions: createSessionService(db.prisma),
    close: () => db.close(),
  };
}
