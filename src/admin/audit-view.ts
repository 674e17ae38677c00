/**
 * The audit page as a person reads it: the days of its filters as people write them, and each
 * event with names instead of ids (the account's name and login, the application's name),
 * resolved for the whole page at once by the caller (one query for the accounts, one for the
 * applications; never one per row). Pure.
 */
import { parseDay } from '../audit/query.js';
import type { ChainRow } from '../audit/chain.js';
import type { AccountLabel } from '../db/repos/accounts.js';
import { formatDateTime, formatRelative } from '../web/i18n/format.js';
import type { Locale } from '../web/i18n/locales.js';

/** A day typed as the date field sends it (2026-12-05) or as people write it (05/12/2026, 5/12/2026), in Việt Nam; null when it is no date. */
export function parseConsoleDay(value: string, endOfDay = false): Date | null {
  const v = value.trim();
  const m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(v);
  const iso = m ? `${m[3]}-${m[2]!.padStart(2, '0')}-${m[1]!.padStart(2, '0')}` : v;
  return parseDay(iso, endOfDay);
}

const CONSOLE = 'console:';

/** The login an actor names, when it may name an account: console:<login>, or the login typed at the login page. */
export function actorLogin(actor: string | null): string | null {
  if (!actor) return null;
  const login = actor.startsWith(CONSOLE) ? actor.slice(CONSOLE.length) : actor;
  return login && !/\s/.test(login) && login.length <= 254 ? login : null;
}

/** What a page must look up to name its rows: account ids (subjects), logins (actors), application ids. */
export function namesWanted(rows: readonly Pick<ChainRow, 'subject' | 'actor' | 'clientId'>[]) {
  const uniq = (xs: (string | null)[]) => [...new Set(xs.filter((x): x is string => Boolean(x)))];
  return { ids: uniq(rows.map((r) => r.subject)), logins: uniq(rows.map((r) => actorLogin(r.actor))), clientIds: uniq(rows.map((r) => r.clientId)) };
}

export interface Names {
  accounts: readonly AccountLabel[];
  clients: ReadonlyMap<string, string>;
}

const named = (a: AccountLabel) => `${a.displayName} (${a.login})`;

/** The rows as the table shows them. `label`: an event type's sentence; `outcome`: an outcome in words. */
export function auditRowsView(rows: readonly ChainRow[], names: Names, o: { locale: Locale; now: Date; label: (type: string) => string; outcome?: (outcome: string) => string }) {
  const byId = new Map(names.accounts.map((a) => [a.id, a]));
  const byLogin = new Map(names.accounts.map((a) => [a.login, a]));
  return rows.map((r) => {
    const at = new Date(r.at);
    const subject = r.subject ? byId.get(r.subject) : undefined;
    const login = actorLogin(r.actor);
    const actor = login ? byLogin.get(login) : undefined;
    return {
      seq: r.seq,
      at: formatDateTime(at, { seconds: true }),
      ago: formatRelative(at, o.now, o.locale),
      type: r.type,
      label: o.label(r.type),
      outcome: o.outcome ? o.outcome(r.outcome) : r.outcome,
      actor: actor ? named(actor) : (r.actor ?? ''),
      subjectId: r.subject,
      subject: subject ? named(subject) : (r.subject ?? ''),
      client: r.clientId ? (names.clients.get(r.clientId) ?? r.clientId) : '',
      ip: r.ip ?? '',
    };
  });
}
