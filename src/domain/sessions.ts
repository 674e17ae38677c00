/**
 * The session read model: what the IdP knows of a single sign-on session and of a consent from
 * the payloads oidc-provider stores (OidcPayload rows of type Session, Grant and AccessToken).
 * The only place those payloads are parsed; every reader goes through db/repos/sessions.ts,
 * which calls these. Payloads are read defensively: a row that is not the JSON expected yields
 * nothing rather than an error. Pure.
 *
 * oidc-provider's shapes, as far as they are read here:
 *   Session      { accountId, uid, loginTs (seconds), authorizations: { [clientId]: { sid, grantId, ... } } }
 *   Grant        { accountId, clientId, openid: { scope: "openid profile ..." }, ... }
 *   AccessToken  { accountId, clientId, grantId, sessionUid, ... }
 */

/** A session's "last active" is written at most this often (a minute): no write per request. */
export const SEEN_INTERVAL_MS = 60_000;

/** Is a session last seen at `lastSeenAt` due to be noted as seen at `now`? Pure. */
export function seenIsDue(lastSeenAt: Date | null, now: Date): boolean {
  return !lastSeenAt || now.getTime() - lastSeenAt.getTime() >= SEEN_INTERVAL_MS;
}

/** One application a session signed in to: the sid it was given and the grant it used. */
export interface SessionAuthorization {
  clientId: string;
  sid: string | null;
  grantId: string | null;
}

/** What a stored Session payload says. */
export interface SessionFacts {
  /** When the person logged in (loginTs), or null when the payload does not say. */
  loginAt: Date | null;
  authorizations: SessionAuthorization[];
}

/** An application an account has granted access to: all its live grants together. */
export interface GrantedApplication {
  clientId: string;
  /** The OpenID scopes of its grants, each once, in the order first met. */
  scopes: string[];
  /** When the oldest of its grants was made. */
  grantedAt: Date;
  /** When the last of its grants expires; null when one never does. */
  expiresAt: Date | null;
}

/** A stored grant as far as the applications list needs it. */
export interface GrantFacts {
  clientId: string | null;
  scopes: string[];
  createdAt: Date;
  expiresAt: Date | null;
}

const nonEmpty = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

function parseObject(json: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(json);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function authorizationsOf(payload: Record<string, unknown> | null): SessionAuthorization[] {
  const auth = payload?.authorizations;
  if (!auth || typeof auth !== 'object') return [];
  return Object.entries(auth as Record<string, unknown>).map(([clientId, v]) => {
    const a = (v ?? {}) as { sid?: unknown; grantId?: unknown };
    return { clientId, sid: nonEmpty(a.sid), grantId: nonEmpty(a.grantId) };
  });
}

/** (clientId, sid, grantId) of each application in a Session payload: `authorizations: { [clientId]: { sid, grantId } }`. */
export function sessionAuthorizations(payloadJson: string): SessionAuthorization[] {
  return authorizationsOf(parseObject(payloadJson));
}

/** A Session payload's login time and authorizations, parsed once. */
export function sessionFacts(payloadJson: string): SessionFacts {
  const payload = parseObject(payloadJson);
  const ts = payload?.loginTs;
  return {
    loginAt: typeof ts === 'number' && Number.isFinite(ts) ? new Date(ts * 1000) : null,
    authorizations: authorizationsOf(payload),
  };
}

/** The OpenID scopes of a Grant payload (openid.scope). */
export function grantScopes(payloadJson: string): string[] {
  const openid = parseObject(payloadJson)?.openid as { scope?: unknown } | undefined;
  const v = openid && typeof openid === 'object' ? openid.scope : undefined;
  return typeof v === 'string' ? v.split(' ').filter(Boolean) : [];
}

/** The uid of the session a token (an AccessToken payload) was issued in, if it says. */
export function tokenSessionUid(payloadJson: string): string | null {
  const v = parseObject(payloadJson)?.sessionUid;
  return typeof v === 'string' ? v : null;
}

/** The sid an application was given in a session, or null. */
export function sidOf(authorizations: readonly SessionAuthorization[], clientId: string): string | null {
  return authorizations.find((a) => a.clientId === clientId)?.sid ?? null;
}

/** Is a row with this expiry live at `now`? (No expiry: live.) */
export function isLive(expiresAt: Date | null, now: Date): boolean {
  return !expiresAt || expiresAt.getTime() > now.getTime();
}

/**
 * An account's grants by application: scopes united, granted when the first was, expiring when
 * the last does (never, if one never does). Grants without a client are left out.
 */
export function applicationsOf(grants: readonly GrantFacts[]): GrantedApplication[] {
  const byClient = new Map<string, GrantedApplication>();
  for (const g of grants) {
    if (!g.clientId) continue;
    const app = byClient.get(g.clientId) ?? { clientId: g.clientId, scopes: [], grantedAt: g.createdAt, expiresAt: g.expiresAt };
    for (const scope of g.scopes) if (!app.scopes.includes(scope)) app.scopes.push(scope);
    if (g.createdAt < app.grantedAt) app.grantedAt = g.createdAt;
    if (app.expiresAt && (!g.expiresAt || g.expiresAt > app.expiresAt)) app.expiresAt = g.expiresAt;
    byClient.set(g.clientId, app);
  }
  return [...byClient.values()];
}
