/**
 * The app launcher's use cases: which applications a person may open from `/` (appsFor, the one
 * place where a per-application access policy will filter), and an application's logo as served.
 */
import type { AccountRecord } from '../accounts/claims.js';
import type { ClientLogoRecord, ClientRecord, ClientRepository } from '../db/repos/clients.js';
import { logoPath } from '../clients/display.js';
import { isInternalClient } from '../clients/types.js';

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
}

/** What the launcher lists of an application, or null when it is not listed at all. Pure. */
export function launcherApp(r: ClientRecord): LauncherApp | null {
  if (r.status !== 'active' || !r.homeUrl || isInternalClient(r.id)) return null;
  return { clientId: r.id, name: r.name, description: r.description, homeUrl: r.homeUrl, logoUrl: logoPath(r.id, r.logoEtag) };
}

export function createLauncher(clients: Pick<ClientRepository, 'launchable' | 'logo'>): Launcher {
  return {
    // every active application with a home URL, for now; an access policy per application goes here
    async appsFor(_account) {
      return (await clients.launchable()).map(launcherApp).filter((a): a is LauncherApp => a !== null);
    },
    logo: (clientId) => clients.logo(clientId),
  };
}
