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
import { createDeprovisioner, type Deprovisioner } from './deprovision/service.js';
import { createLogger, type Logger } from './util/logger.js';

export interface Services {
  config: Config;
  db: Database;
  accounts: AccountService;
  clients: ClientService;
  keys: KeyStore;
  /** Ends an account's access (sessions, grants, tokens) and delivers back-channel logout tokens. */
  deprovision: Deprovisioner;
  close(): Promise<void>;
}

export async function openServices(config: Config, opts: { migrate?: boolean; logger?: Logger } = {}): Promise<Services> {
  if (opts.migrate !== false) await migrate(config.databaseUrl);
  const db = await openDatabase(config.databaseUrl, { poolSize: config.databasePoolSize });
  const keys = createKeyStore(db.prisma, { secret: config.keyEncryptionSecret, algs: config.signingAlgs });
  const deprovision = createDeprovisioner({
    idTokenAlg: config.signingAlgs[0],
    prisma: db.prisma,
    keys,
    issuer: config.issuer,
    logger: opts.logger ?? createLogger('silent'),
    attempts: config.logoutDelivery.attempts,
    timeoutMs: config.logoutDelivery.timeoutMs,
  });
  return {
    config,
    db,
    accounts: createAccountService(db.prisma),
    clients: createClientService(db.prisma),
    keys,
    deprovision,
    close: async () => {
      await deprovision.stop();
      await db.close();
    },
  };
}
