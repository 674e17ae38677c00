/** Fresh databases for the servers under test, and what they hold before the run. */
import { createEmptyTestDatabase, type EmptyTestDatabase } from '../../test/helpers/db.js';
import { loadConfig } from '../../src/config/load.js';
import { openServices, type Services } from '../../src/app/container.js';
import { createLogger } from '../../src/util/logger.js';
import { idpEnv } from './processes.js';

export type Backend = 'sqlite' | 'postgresql';
export const BACKENDS: Backend[] = ['sqlite', 'postgresql'];

/** An empty database of its own (a temp SQLite file, or a fresh PostgreSQL database at 127.0.0.1:5432). */
export function freshDatabase(backend: Backend): Promise<EmptyTestDatabase> {
  // the test helper picks the backend from TEST_DATABASE; a scenario is a process of its own
  process.env.TEST_DATABASE = backend;
  return createEmptyTestDatabase();
}

/** Migrates the database and runs `fn` with the services (as `sso` would), then closes them. */
export async function withServices<T>(databaseUrl: string, fn: (s: Services) => Promise<T>, env: Record<string, string> = {}): Promise<T> {
  const config = loadConfig(idpEnv(3000, databaseUrl, { LOG_LEVEL: 'silent', ...env }));
  const s = await openServices(config, { logger: createLogger('silent'), actor: 'bench' });
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

/** A `service` client (client_credentials); returns its id and secret. */
export async function addServiceClient(databaseUrl: string): Promise<{ id: string; secret: string }> {
  return withServices(databaseUrl, async (s) => {
    const { client, clientSecret } = await s.clients.add({ name: 'Bench service', type: 'service', redirectUris: [], id: 'bench-service' });
    return { id: client.client_id, secret: clientSecret! };
  });
}

export function basicAuth(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}
