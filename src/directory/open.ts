/**
 * DirectorySettings -> a running connector: the LDAP directory, the demo directory
 * (development only), or none (local accounts only).
 */
import { readFileSync } from 'node:fs';
import type { DirectorySettings, LdapSettings } from '../config/load.js';
import type { Logger } from '../util/logger.js';
import { ConfigError } from '../config/load.js';
import type { DirectoryConnector } from './types.js';
import { LdapConnector } from './ldap/connector.js';
import type { DemoDirectory } from './demo/server.js';
import type { Metrics } from '../metrics/metrics.js';

export interface OpenDirectory {
  connector?: DirectoryConnector | undefined;
  mailDomains: string[];
  demo?: DemoDirectory | undefined;
  close(): Promise<void>;
}

function readCa(s: LdapSettings): string | undefined {
  if (!s.caFile) return undefined;
  try {
    return readFileSync(s.caFile, 'utf8');
  } catch (err) {
    throw new ConfigError([`LDAP_CA_FILE: cannot read ${s.caFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
}

export async function openDirectory(settings: DirectorySettings, logger: Logger, opts: { metrics?: Metrics | undefined } = {}): Promise<OpenDirectory> {
  const { metrics } = opts;
  if (settings.kind === 'none') return { mailDomains: [], close: async () => {} };
  if (settings.kind === 'ldap') {
    const connector = new LdapConnector({ settings, logger, ca: readCa(settings), metrics });
    return { connector, mailDomains: settings.mailDomains, close: () => connector.close() };
  }
  // loaded only here: the demo's LDAP server library has no business in a real deployment's memory
  const { startDemoDirectory } = await import('./demo/server.js');
  const demo = await startDemoDirectory();
  const connector = new LdapConnector({
    logger,
    metrics,
    settings: {
      kind: 'ldap',
      urls: [demo.url],
      startTls: false,
      tlsInsecure: false,
      bindDn: demo.bindDn,
      bindPassword: demo.bindPassword,
      baseDn: demo.baseDn,
      preset: 'zimbra',
      loginAttributes: [],
      mailDomains: settings.mailDomains,
      attributeMap: {},
      timeoutMs: 5000,
      poolSize: 2,
      groups: { source: 'memberof', baseDn: demo.baseDn, filter: '' },
    },
  });
  return {
    connector,
    demo,
    mailDomains: settings.mailDomains,
    async close() {
      await connector.close();
      await demo.close();
    },
  };
}
