/**
 * The app launcher's use cases: which applications a person may open from `/` (appsFor: only
 * those whose access policy admits them, decided from current data by src/access/), and an
 * application's logo as served.
 */
import type { AccountRecord } from '../accounts/claims.js';
import type { ClientLogoRecord, ClientRecord, ClientRepository } from '../db/repos/clients.js';
import { logoPath } from '../clients/display.js';
import { isInternalClient } from '../clients/types.js';
import { policyOf } from '../clients/access.js';
import { admits, isOpenPolicy, type AccessPerson } from '../domain/access-policy.js';

/** The person as an access policy sees them now (src/access/ personOf). */
export interface LauncherAccess {
  personOf(accountId: string): Promise<AccessPerson | null>;
}

/** One tile of the launcher. */
export interface LauncherApp {
  clientId: string;
  name: string;
  description: string | null;
  homeUrl: string;
  /** Where its logo is served, or null (the tile shows the name's first letter). */
  logoUrl: string | null;
}

export interface Launcher {
  /** The applications this person may use: active, with a home URL, by name. */
  appsFor(account: Pick<AccountRecord, 'id' | 'login'>): Promise<LauncherApp[]>;
  /** An application's logo, or null when it has none (or there is no such application). */
  logo(clientId: string): Promise<ClientLogoRecord | null>;
  /** The same launcher, deciding access policies with `access` (the server's, which reads the directory). */
  withAccess(access: LauncherAccess): Launcher;
}

/** What the launcher lists of an application, or null when it is not listed at all. Pure. */
export function launcherApp(r: ClientRecord): LauncherApp | null {
  if (r.status !== 'active' || !r.homeUrl || isInternalClient(r.id)) return null;
  return { clientId: r.id, name: r.name, description: r.description, homeUrl: r.homeUrl, logoUrl: logoPath(r.id, r.logoEtag) };
}

/** Applications whose tile starts the sign-in at the IdP (SAML IdP-initiated): client id -> the URL the tile opens. */
export type LauncherStarts = () => Promise<ReadonlyMap<string, string>>;

/**
 * Without `access`, an application with an access policy is never listed (nothing can say who it
 * admits); the server gives one. `starts`: tiles that open an IdP URL instead of the home URL.
 */
export function createLauncher(clients: Pick<ClientRepository, 'launchable' | 'logo'>, access?: LauncherAccess, starts?: LauncherStarts): Launcher {
  return {
    async appsFor(account) {
      const rows = await clients.launchable();
      // the person is read (groups from the directory, kept a few minutes) only when some application asks
      let person: Promise<AccessPerson | null> | undefined;
      const out: LauncherApp[] = [];
      const startAt = starts && rows.length ? await starts() : new Map<string, string>();
      for (const r of rows) {
        const app = launcherApp(r);
        if (!app) continue;
        const policy = policyOf(r);
        if (!isOpenPolicy(policy)) {
          person ??= access ? access.personOf(account.id) : Promise.resolve(null);
          const p = await person;
          if (!p || !admits(policy, p)) continue;
        }
        out.push(startAt.has(app.clientId) ? { ...app, homeUrl: startAt.get(app.clientId)! } : app);
      }
      return out;
    },
    logo: (clientId) => clients.logo(clientId),
    withAccess: (a) => createLauncher(clients, a, starts),
  };
}
