/**
 * Deprovisioning: when an account's access ends (disabled by the directory sync, by a login that
 * finds it disabled, by `sso account disable`, or logged out everywhere by `sso account logout`),
 * everything ends at once:
 *
 *   1. the applications holding a session for it are noted: one LogoutDelivery row per
 *      (application with a back-channel logout URI, session id), in the same transaction that
 *   2. deletes its sessions, its grants and every token and code issued to it or under its
 *      grants (refresh fails and introspection says inactive from that moment);
 *   3. the delivery loop is woken and POSTs a freshly signed logout token to each application.
 *
 * One session (endSession) or one application's consent (revokeApplication) ends the same way,
 * for that session or application only.
 *
 * Deliveries live in the database, so any instance on it (or the CLI) can send them; a row is
 * claimed with a conditional UPDATE (pending -> sending, with a lease in nextAttemptAt and the
 * attempt count as a version), so two instances never send the same attempt twice, and a row
 * left in `sending` by an instance that died becomes due again when its lease runs out. A failed
 * attempt is retried with exponential back-off (1 s, 2 s, 4 s ... capped at 5 min); after the
 * configured number of attempts the row is `failed`. Tokens are never logged or stored.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client.js';
import type { Logger } from '../util/logger.js';
import type { KeyStore, PrivateJwk } from '../keys/store.js';
import { clientMetadata } from '../clients/metadata.js';
import { logoutTokenClaims, signLogoutToken } from './logout-token.js';
import type { AuditRecorder } from '../audit/log.js';
import type { Metrics } from '../metrics/metrics.js';
import { isDatabaseUnavailable, outageReporter } from '../db/errors.js';

export const DELIVERY_STATUSES = ['pending', 'sending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const DEFAULT_BACKOFF_BASE_MS = 1000;
export const MAX_BACKOFF_MS = 5 * 60 * 1000;
/** How long past the request timeout a claimed row stays with its claimer before it is due again. */
const LEASE_MARGIN_MS = 30_000;
const FALLBACK_ID_TOKEN_ALG = 'ES256';

export interface DeprovisionerOptions {
  prisma: Db;
  /** The algorithm ID tokens are signed with unless a client says otherwise (SIGNING_ALGS' first). */
  idTokenAlg?: string | undefined;
  keys: Pick<KeyStore, 'current'>;
  issuer: string;
  logger: Logger;
  /** Attempts per delivery before it is marked failed (LOGOUT_DELIVERY_ATTEMPTS). */
  attempts: number;
  /** Timeout of one POST (LOGOUT_DELIVERY_TIMEOUT_MS). */
  timeoutMs: number;
  /** Records account.access_ended with the counts. */
  audit?: AuditRecorder | undefined;
  fetchImpl?: typeof fetch;
  now?: () => Date;
  /** First retry delay; doubles per attempt up to MAX_BACKOFF_MS. Tests make it small. */
  backoffBaseMs?: number;
  /** The loop's longest sleep between passes when nothing wakes it. */
  pollIntervalMs?: number;
  /** Rows claimed per query; a full batch is followed by another pass at once. */
  batchSize?: number;
  /** Simultaneous POSTs per pass. */
  concurrency?: number;
  /** How long a claim lasts; default: the timeout plus 30 s. */
  leaseMs?: number;
  /** sso_logout_deliveries_total by status. */
  metrics?: Pick<Metrics, 'logoutDelivery'> | undefined;
}

export interface EndAccessResult {
  /** Sessions, grants, tokens and codes deleted. */
  revoked: number;
  /** Logout tokens queued for delivery. */
  queued: number;
}

export interface DeliveryPass {
  delivered: number;
  retried: number;
  failed: number;
}

export interface DeliveryRow {
  id: string;
  accountId: string;
  clientId: string;
  sid: string | null;
  uri: string;
  reason: string;
  status: string;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

export interface ListOptions {
  status?: DeliveryStatus | undefined;
  accountId?: string | undefined;
  limit?: number | undefined;
}

/** Delay before the attempt after failed attempt number `attempt` (1-based). Pure. */
export function backoffMs(attempt: number, baseMs = DEFAULT_BACKOFF_BASE_MS): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempt - 1), MAX_BACKOFF_MS);
}

/** (clientId, sid) pairs from an oidc-provider Session payload: `authorizations: { [clientId]: { sid, grantId } }`. Pure. */
export function sessionAuthorizations(payloadJson: string): { clientId: string; sid: string | null; grantId: string | null }[] {
  let payload: unknown;
  try {
    payload = JSON.parse(payloadJson);
  } catch {
    return [];
  }
  const auth = (payload as { authorizations?: unknown } | null)?.authorizations;
  if (!auth || typeof auth !== 'object') return [];
  return Object.entries(auth as Record<string, unknown>).map(([clientId, v]) => {
    const a = (v ?? {}) as { sid?: unknown; grantId?: unknown };
    return {
      clientId,
      sid: typeof a.sid === 'string' && a.sid ? a.sid : null,
      grantId: typeof a.grantId === 'string' && a.grantId ? a.grantId : null,
    };
  });
}

/** What is recorded of a failed attempt: a status code or the network error, never the request. */
function describeError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `timeout after ${timeoutMs} ms`;
  const cause = e?.cause?.code ?? e?.cause?.message;
  const text = cause ? `${e?.message ?? 'error'}: ${cause}` : (e?.message ?? String(err));
  return text.slice(0, 500);
}

export function createDeprovisioner(opts: DeprovisionerOptions) {
  const DEFAULT_ID_TOKEN_ALG = opts.idTokenAlg ?? FALLBACK_ID_TOKEN_ALG;
  const { prisma, keys, issuer, logger } = opts;
  const maxAttempts = Math.max(1, opts.attempts);
  const timeoutMs = opts.timeoutMs;
  const fetchImpl = opts.fetchImpl ?? globalThis.fetch;
  const now = opts.now ?? (() => new Date());
  const backoffBase = opts.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS;
  const pollMs = opts.pollIntervalMs ?? 1000;
  const batchSize = opts.batchSize ?? 50;
  const concurrency = Math.max(1, opts.concurrency ?? 8);
  const leaseMs = opts.leaseMs ?? timeoutMs + LEASE_MARGIN_MS;
  const metrics = opts.metrics;
  const reportOutage = outageReporter(logger);

  // ---- ending access ------------------------------------------------------------------------

  type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];
  type SessionRow = { id: string; payload: string; expiresAt: Date | null };

  /**
   * Queues a logout token for every (application with a back-channel logout URI, sid) of these
   * sessions that are still live (only `onlyClient`'s, when given); returns the grant ids they
   * name and how many were queued.
   */
  async function queueDeliveries(tx: Tx, accountId: string, sessions: SessionRow[], reason: string, at: Date, onlyClient?: string): Promise<{ grantIds: Set<string>; queued: number }> {
    const pairs = new Map<string, { clientId: string; sid: string | null }>();
    const grantIds = new Set<string>();
    for (const s of sessions) {
      const live = !s.expiresAt || s.expiresAt.getTime() > at.getTime();
      for (const a of sessionAuthorizations(s.payload)) {
        if (onlyClient !== undefined && a.clientId !== onlyClient) continue;
        if (a.grantId) grantIds.add(a.grantId);
        if (live) pairs.set(`${a.clientId}\u0000${a.sid ?? ''}`, { clientId: a.clientId, sid: a.sid });
      }
    }
    const clientIds = [...new Set([...pairs.values()].map((p) => p.clientId))];
    const clients = clientIds.length
      ? await tx.client.findMany({ where: { id: { in: clientIds }, status: 'active', backchannelLogoutUri: { not: null } }, select: { id: true, backchannelLogoutUri: true } })
      : [];
    const uriOf = new Map(clients.map((c) => [c.id, c.backchannelLogoutUri!]));
    const deliveries = [...pairs.values()]
      .filter((p) => uriOf.has(p.clientId))
      .map((p) => ({ id: randomUUID(), accountId, clientId: p.clientId, sid: p.sid, uri: uriOf.get(p.clientId)!, reason, status: 'pending', attempts: 0, nextAttemptAt: at, createdAt: at }));
    if (deliveries.length) await tx.logoutDelivery.createMany({ data: deliveries });
    return { grantIds, queued: deliveries.length };
  }

  /** One round: note the sessions' applications, then delete; returns what it did. */
  async function endOnce(accountId: string, reason: string): Promise<EndAccessResult> {
    return prisma.$transaction(async (tx) => {
      const at = now();
      const sessions = await tx.oidcPayload.findMany({ where: { type: 'Session', accountId }, select: { id: true, payload: true, expiresAt: true } });
      const { grantIds, queued } = await queueDeliveries(tx, accountId, sessions, reason, at);

      for (const g of await tx.oidcPayload.findMany({ where: { type: 'Grant', accountId }, select: { id: true } })) grantIds.add(g.id);
      // Sessions by the ids read above (each one noted); everything else of the account or its grants.
      const s = sessions.length ? await tx.oidcPayload.deleteMany({ where: { type: 'Session', id: { in: sessions.map((x) => x.id) } } }) : { count: 0 };
      const rest = await tx.oidcPayload.deleteMany({
        where: { type: { not: 'Session' }, OR: [{ accountId }, ...(grantIds.size ? [{ grantId: { in: [...grantIds] } }] : [])] },
      });
      return { revoked: s.count + rest.count, queued };
    }, { maxWait: 10_000, timeout: 15_000 });
  }

  /**
   * Ends one single sign-on session of an account (by its uid): its applications are told
   * (back-channel logout), the session is deleted with the tokens and codes issued in it. The
   * account's other sessions and its consent stay. Returns null when it has no such session.
   */
  async function endSession(accountId: string, sessionUid: string, reason: string): Promise<EndAccessResult | null> {
    const r = await prisma.$transaction(async (tx) => {
      const session = await tx.oidcPayload.findFirst({ where: { type: 'Session', accountId, uid: sessionUid }, select: { id: true, payload: true, expiresAt: true } });
      if (!session) return null;
      const { grantIds, queued } = await queueDeliveries(tx, accountId, [session], reason, now());
      const s = await tx.oidcPayload.deleteMany({ where: { type: 'Session', id: session.id } });
      // tokens carry the uid of the session they were issued in (grants may be shared by sessions)
      const tokens = grantIds.size
        ? await tx.oidcPayload.deleteMany({ where: { type: { not: 'Session' }, grantId: { in: [...grantIds] }, payload: { contains: `"sessionUid":${JSON.stringify(sessionUid)}` } } })
        : { count: 0 };
      return { revoked: s.count + tokens.count, queued };
    }, { maxWait: 10_000, timeout: 15_000 });
    if (!r) return null;
    logger.info({ event: 'account.session_ended', account: accountId, reason, ...r }, 'session ended; its applications notified');
    await opts.audit?.record({ type: 'account.session_ended', outcome: 'success', subject: accountId, detail: { reason, session: sessionUid, ...r } });
    if (r.queued) kick();
    return r;
  }

  /**
   * Withdraws an account's consent to one application: its grants and every token and code
   * issued under them are deleted, and the application is told to end its sessions
   * (back-channel logout). The next login to it asks for consent again.
   */
  async function revokeApplication(accountId: string, clientId: string, reason: string): Promise<EndAccessResult> {
    const r = await prisma.$transaction(async (tx) => {
      const sessions = await tx.oidcPayload.findMany({ where: { type: 'Session', accountId }, select: { id: true, payload: true, expiresAt: true } });
      const { grantIds, queued } = await queueDeliveries(tx, accountId, sessions, reason, now(), clientId);
      for (const g of await tx.oidcPayload.findMany({ where: { type: 'Grant', accountId, clientId }, select: { id: true } })) grantIds.add(g.id);
      const ids = [...grantIds];
      const grants = ids.length ? await tx.oidcPayload.deleteMany({ where: { type: 'Grant', id: { in: ids } } }) : { count: 0 };
      const tokens = await tx.oidcPayload.deleteMany({
        where: { type: { notIn: ['Session', 'Grant'] }, OR: [{ accountId, clientId }, ...(ids.length ? [{ grantId: { in: ids } }] : [])] },
      });
      return { revoked: grants.count + tokens.count, queued };
    }, { maxWait: 10_000, timeout: 15_000 });
    logger.info({ event: 'account.application_revoked', account: accountId, client: clientId, reason, ...r }, 'application access revoked; the application notified');
    await opts.audit?.record({ type: 'account.application_revoked', outcome: 'success', subject: accountId, clientId, detail: { reason, ...r } });
    if (r.queued) kick();
    return r;
  }

  /**
   * Queues the logout token of one application for one session that ended at the IdP (the person
   * logged out: RP-initiated logout), to be delivered and retried like the others. Returns
   * whether one was queued (the application is active and has a back-channel logout URI).
   */
  async function queueLogout(clientId: string, accountId: string, sid: string | null, reason: string): Promise<boolean> {
    const client = await prisma.client.findUnique({ where: { id: clientId }, select: { status: true, backchannelLogoutUri: true } });
    if (!client || client.status !== 'active' || !client.backchannelLogoutUri) return false;
    const at = now();
    await prisma.logoutDelivery.create({ data: { id: randomUUID(), accountId, clientId, sid, uri: client.backchannelLogoutUri, reason, status: 'pending', attempts: 0, nextAttemptAt: at, createdAt: at } });
    kick();
    return true;
  }

  async function endAccess(accountId: string, reason: string): Promise<EndAccessResult> {
    let revoked = 0;
    let queued = 0;
    // Sessions that began before this second are refused from now on, wherever they are saved
    // again (a request in flight holding one); oidc-provider's clock, not an injected one, sets loginTs.
    await prisma.account.updateMany({ where: { id: accountId }, data: { sessionsNotBefore: new Date() } });
    // A session written while a round ran (a login finishing at that moment) is caught by the next.
    for (let round = 0; round < 5; round++) {
      const r = await endOnce(accountId, reason);
      revoked += r.revoked;
      queued += r.queued;
      if (!(await prisma.oidcPayload.count({ where: { type: 'Session', accountId } }))) break;
    }
    logger.info({ event: 'account.access_ended', account: accountId, reason, revoked, queued }, 'access ended: sessions, grants and tokens revoked; logout notifications queued');
    await opts.audit?.record({ type: 'account.access_ended', outcome: 'success', subject: accountId, detail: { reason, revoked, queued } });
    if (queued) kick();
    return { revoked, queued };
  }

  // ---- delivering ---------------------------------------------------------------------------

  interface Signer {
    sign(clientId: string, accountId: string, sid: string | null): Promise<string>;
  }

  /** Signing for one pass: the current keys and each client's ID token algorithm, read once. */
  async function signerFor(clientIds: string[]): Promise<Signer> {
    const { set, jwks } = await keys.current();
    const rows = await prisma.client.findMany({ where: { id: { in: clientIds } } });
    const algOf = new Map(rows.map((r) => [r.id, String(clientMetadata(r).id_token_signed_response_alg ?? DEFAULT_ID_TOKEN_ALG)]));
    const jwkFor = (alg: string): PrivateJwk | undefined => {
      const signing = set.signing.get(alg) ?? set.signing.get(DEFAULT_ID_TOKEN_ALG) ?? [...set.signing.values()][0];
      return signing ? jwks.find((j) => j.kid === signing.kid) : undefined;
    };
    return {
      async sign(clientId, accountId, sid) {
        const jwk = jwkFor(algOf.get(clientId) ?? DEFAULT_ID_TOKEN_ALG);
        if (!jwk) throw new Error('no signing key');
        return signLogoutToken(logoutTokenClaims({ issuer, clientId, sub: accountId, sid, now: now() }), jwk);
      },
    };
  }

  /** Claims a due row for one attempt; returns the attempt number, or null when another instance has it. */
  async function claim(row: DeliveryRow, at: Date): Promise<number | null> {
    const attempt = row.attempts + 1;
    const { count } = await prisma.logoutDelivery.updateMany({
      where: { id: row.id, status: row.status, attempts: row.attempts, nextAttemptAt: { lte: at } },
      data: { status: 'sending', attempts: attempt, nextAttemptAt: new Date(at.getTime() + leaseMs) },
    });
    return count === 1 ? attempt : null;
  }

  /** Records an attempt's outcome, if the claim is still ours. */
  async function settle(id: string, attempt: number, data: { status: DeliveryStatus; nextAttemptAt?: Date; lastError?: string | null; deliveredAt?: Date }): Promise<boolean> {
    const { count } = await prisma.logoutDelivery.updateMany({ where: { id, status: 'sending', attempts: attempt }, data });
    return count === 1;
  }

  async function post(uri: string, token: string): Promise<{ ok: true } | { ok: false; error: string }> {
    try {
      const res = await fetchImpl(uri, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: '*/*' },
        body: new URLSearchParams({ logout_token: token }).toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.body?.cancel().catch(() => {});
      if (res.status >= 200 && res.status < 300) return { ok: true };
      return { ok: false, error: `HTTP ${res.status}` };
    } catch (err) {
      return { ok: false, error: describeError(err, timeoutMs) };
    }
  }

  async function deliverOne(row: DeliveryRow, attempt: number, signer: Promise<Signer>, tally: DeliveryPass): Promise<void> {
    const log = { delivery: row.id, account: row.accountId, client: row.clientId, attempt };
    let outcome: { ok: true } | { ok: false; error: string };
    try {
      const token = await (await signer).sign(row.clientId, row.accountId, row.sid);
      outcome = await post(row.uri, token);
    } catch (err) {
      outcome = { ok: false, error: `signing failed: ${(err as Error).message}`.slice(0, 500) };
    }
    const at = now();
    if (outcome.ok) {
      if (await settle(row.id, attempt, { status: 'delivered', deliveredAt: at, lastError: null })) {
        tally.delivered++;
        metrics?.logoutDelivery('delivered');
      }
      logger.info({ event: 'logout.delivered', ...log }, 'back-channel logout delivered');
      return;
    }
    if (attempt >= maxAttempts) {
      if (await settle(row.id, attempt, { status: 'failed', lastError: outcome.error })) {
        tally.failed++;
        metrics?.logoutDelivery('failed');
      }
      logger.error({ event: 'logout.failed', ...log, error: outcome.error }, 'back-channel logout not delivered; giving up');
      return;
    }
    const next = new Date(at.getTime() + backoffMs(attempt, backoffBase));
    if (await settle(row.id, attempt, { status: 'pending', nextAttemptAt: next, lastError: outcome.error })) {
      tally.retried++;
      metrics?.logoutDelivery('retry');
    }
    logger.warn({ event: 'logout.retry', ...log, error: outcome.error, nextAttemptAt: next.toISOString() }, 'back-channel logout failed; will retry');
  }

  async function passOnce(tally: DeliveryPass): Promise<number> {
    const at = now();
    const due = await prisma.logoutDelivery.findMany({
      where: { status: { in: ['pending', 'sending'] }, nextAttemptAt: { lte: at } },
      orderBy: { nextAttemptAt: 'asc' },
      take: batchSize,
    });
    if (!due.length) return 0;
    const claimed: { row: DeliveryRow; attempt: number }[] = [];
    for (const row of due) {
      if (row.attempts >= maxAttempts) {
        // a claim whose holder died after its last allowed attempt: give up on it
        const { count } = await prisma.logoutDelivery.updateMany({
          where: { id: row.id, status: row.status, attempts: row.attempts, nextAttemptAt: { lte: at } },
          data: { status: 'failed', lastError: row.lastError ?? 'interrupted: the instance sending it stopped' },
        });
        if (count) {
          tally.failed++;
          metrics?.logoutDelivery('failed');
        }
        continue;
      }
      const attempt = await claim(row, at);
      if (attempt !== null) claimed.push({ row, attempt });
    }
    if (claimed.length) {
      const signer = signerFor([...new Set(claimed.map((c) => c.row.clientId))]);
      signer.catch(() => {}); // each delivery records the failure
      let i = 0;
      const worker = async () => {
        while (i < claimed.length) {
          const c = claimed[i++]!;
          await deliverOne(c.row, c.attempt, signer, tally);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, claimed.length) }, worker));
    }
    return due.length;
  }

  const inFlight = new Set<Promise<unknown>>();

  /** Delivers every due row (in batches); safe to run on several instances at once. */
  function deliverDue(): Promise<DeliveryPass> {
    const p = (async () => {
      const tally: DeliveryPass = { delivered: 0, retried: 0, failed: 0 };
      for (let i = 0; i < 100; i++) {
        if ((await passOnce(tally)) < batchSize) break;
      }
      return tally;
    })();
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => {});
    return p;
  }

  // ---- the loop -----------------------------------------------------------------------------

  let running = false;
  let loopDone: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let kicked = false;

  /** Wakes the delivery loop now (non-blocking). Without a running loop, call deliverDue(). */
  function kick(): void {
    kicked = true;
    wake?.();
  }

  async function nextDueIn(): Promise<number> {
    const next = await prisma.logoutDelivery.findFirst({
      where: { status: { in: ['pending', 'sending'] } },
      orderBy: { nextAttemptAt: 'asc' },
      select: { nextAttemptAt: true },
    });
    if (!next) return pollMs;
    return Math.max(0, Math.min(pollMs, next.nextAttemptAt.getTime() - now().getTime()));
  }

  async function loop(): Promise<void> {
    while (running) {
      kicked = false;
      let sleep = pollMs;
      try {
        const r = await deliverDue();
        if (r.delivered || r.retried || r.failed) logger.debug({ ...r }, 'logout delivery pass');
        sleep = await nextDueIn();
      } catch (err) {
        if (isDatabaseUnavailable(err)) reportOutage(err, 'logout-deliveries');
        else logger.warn({ error: (err as Error).message }, 'logout delivery pass failed; retrying shortly');
      }
      if (!running) break;
      if (kicked) continue;
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, sleep);
        t.unref();
        function done() {
          clearTimeout(t);
          wake = undefined;
          resolve();
        }
        wake = done;
      });
    }
  }

  return {
    endAccess,
    endSession,
    revokeApplication,
    queueLogout,
    deliverDue,
    kick,

    /** Starts the delivery loop: a pass at once, then on every kick, at the next due retry, or every poll interval. */
    start(): void {
      if (running) return;
      running = true;
      loopDone = loop();
    },

    /** Stops the loop and waits for the passes in flight. */
    async stop(): Promise<void> {
      running = false;
      wake?.();
      await loopDone;
      loopDone = undefined;
      await Promise.allSettled([...inFlight]);
    },

    async list(o: ListOptions = {}): Promise<DeliveryRow[]> {
      return prisma.logoutDelivery.findMany({
        where: { ...(o.status ? { status: o.status } : {}), ...(o.accountId ? { accountId: o.accountId } : {}) },
        orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
        take: Math.max(1, Math.min(o.limit ?? 100, 10_000)),
      });
    },
  };
}

export type Deprovisioner = ReturnType<typeof createDeprovisioner>;
