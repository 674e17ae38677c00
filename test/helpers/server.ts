/** Starts the real server on a loopback port against a fresh test database. */
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../../src/config/load.js';
import { startServer, type RunningServer, type StartOptions } from '../../src/app/server.js';
import { createLogger } from '../../src/util/logger.js';
import { createEmptyTestDatabase } from './db.js';
import { freePort } from './ports.js';
export { freePort };

export const TEST_SECRETS = {
  COOKIE_KEYS: 'test-cookie-key-0123456789abcdefghijklmnop',
  KEY_ENCRYPTION_SECRET: 'test-key-encryption-secret-0123456789abcdef',
};


export interface TestServer extends RunningServer {
  issuer: string;
  config: Config;
  /** Every log line the server wrote, for assertions (e.g. no secret ever logged). */
  logs: string[];
  stop(): Promise<void>;
}

/** The environment of a test server on loopback `port` and `databaseUrl` (also for `sso serve` as a child process). */
export function testServerEnv(port: number, databaseUrl: string, env: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    PORT: String(port),
    HOST: '127.0.0.1',
    ISSUER: `http://127.0.0.1:${port}`,
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '4',
    DEMO: 'false',
    LOG_LEVEL: 'info',
    // the in-server sync runs only where a test asks for it
    SYNC_INTERVAL: '0',
    SYNC_FULL_INTERVAL: '0',
    // the console roles' second factor: on where a test asks for it (test/second-factor*.test.ts),
    // and in production (where turning it off is warned about at start)
    ...(env.NODE_ENV === 'production' ? {} : { MFA_CONSOLE_REQUIRED: 'false' }),
    ...TEST_SECRETS,
    ...env,
  };
}

/** A server on a fresh database, or (databaseUrl) another instance on an existing one. */
export async function startTestServer(env: Record<string, string> = {}, opts: { databaseUrl?: string; issuerHost?: string } & StartOptions = {}): Promise<TestServer> {
  const port = await freePort();
  const database = opts.databaseUrl ? { url: opts.databaseUrl, drop: async () => {} } : await createEmptyTestDatabase();
  // issuerHost 'localhost': WebAuthn needs a host name as its RP ID (an IP address cannot be one)
  const issuer = `http://${opts.issuerHost ?? '127.0.0.1'}:${port}`;
  const config = loadConfig(testServerEnv(port, database.url, { ...env, ...(opts.issuerHost ? { ISSUER: issuer } : {}) }));
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const running = await startServer(config, createLogger(config.logLevel, sink), { forwarder: opts.forwarder });
  return {
    ...running,
    issuer,
    config,
    logs,
    async stop() {
      await running.close();
      await database.drop();
    },
  };
}
