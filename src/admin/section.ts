/** What the console's sections (dashboard, accounts, applications, sync, audit) share. */
import type { SecondFactorService } from '../second-factor/service.js';
import type { Request } from 'express';
import { z } from 'zod';
import type { Config } from '../config/load.js';
import type { AccountService } from '../accounts/service.js';
import type { ClientService } from '../clients/service.js';
import type { Deprovisioner } from '../deprovision/service.js';
import type { SessionRepository } from '../db/repos/sessions.js';
import type { LogoutDeliveryRepository } from '../db/repos/logout-deliveries.js';
import type { AuditLog } from '../audit/log.js';
import type { AuditQuery } from '../audit/query.js';
import type { SyncRepository } from '../db/repos/sync.js';
import type { Logger } from '../util/logger.js';
import type { DirectoryConnector } from '../directory/types.js';
import type { ThrottleBlocks } from '../login/blocks.js';
import type { SamlRegistry } from '../saml/service-providers.js';
import { SsoError } from '../domain/errors.js';
import type { ConsolePages } from '../console/pages.js';
import { parseQuery, queryText } from '../web/forms.js';

/** The use cases and read models the console's sections call (the composition root's services). */
export interface AdminServices {
  accounts: AccountService;
  clients: ClientService;
  deprovision: Deprovisioner;
  sessions: Pick<SessionRepository, 'countLive'>;
  deliveries: Pick<LogoutDeliveryRepository, 'counts' | 'list'>;
  audit: Pick<AuditLog, 'verify' | 'record'>;
  auditQuery: AuditQuery;
  syncRepo: SyncRepository;
  /** The throttle's active blocks (login/blocks.ts). */
  throttleBlocks: ThrottleBlocks;
  /** The second factor's helpdesk tools: status, reset, enrolment codes (src/second-factor/). */
  secondFactors: SecondFactorService;
  /** The SAML service providers (saml/service-providers.ts), listed read-only at /admin/saml. */
  saml?: { registry: Pick<SamlRegistry, 'list'> } | undefined;
}

export interface AdminDeps {
  config: Config;
  services: AdminServices;
  pages: ConsolePages;
  logger: Logger;
  directory?: { connector?: DirectoryConnector | undefined; mailDomains: string[] } | undefined;
}

/** The longest id (an account's, a client's, a session's) a URL may name. */
export const ID_MAX = 100;

const doneQuery = z.object({ done: queryText(40) });

/** A whitelisted "done" notice from the query (never reflected text). */
export function done<T extends readonly string[]>(req: Request, allowed: T): T[number] | undefined {
  const { done: d } = parseQuery(doneQuery, req.query);
  return (allowed as readonly string[]).includes(d) ? (d as T[number]) : undefined;
}

/** An id from the path; one too long or empty names nothing (404). */
export function idParam(req: Request, name: string): string {
  const v = req.params[name];
  if (typeof v !== 'string' || !v || v.length > ID_MAX) throw new SsoError('not_found', `no such ${name}`);
  return v;
}
