/** What the console's sections (dashboard, accounts, applications, sync, audit) share. */
import type { Request } from 'express';
import { z } from 'zod';
import type { Config } from '../config/load.js';
import type { Services } from '../services.js';
import type { Logger } from '../util/logger.js';
import type { DirectoryConnector } from '../directory/types.js';
import { SsoError } from '../domain/errors.js';
import type { ConsolePages } from '../console/pages.js';
import { parseQuery, queryText } from '../web/forms.js';

export interface AdminDeps {
  config: Config;
  services: Pick<Services, 'accounts' | 'clients' | 'deprovision' | 'sessions' | 'deliveries' | 'audit' | 'auditQuery' | 'syncRepo'>;
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
