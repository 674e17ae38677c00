/**
 * Delivering back-channel logout tokens: the worker that takes the queued rows
 * (db/repos/logout-deliveries.ts), claims each due one for an attempt, signs a fresh logout token
 * (logout-token.ts), POSTs it to the application and records the outcome. A failed attempt is
 * retried with exponential back-off (1 s, 2 s, 4 s ... capped at 5 min); after the configured
 * number of attempts the row is `failed` (domain/logout-deliveries.ts decides). Safe on several
 * instances at once: claims are conditional, and a claim whose holder died runs out with its
 * lease. Tokens are never logged or stored.
 *
 * The loop (start/stop) runs a pass at once, then on every kick (something was queued), at the
 * next due retry, or every poll interval.
 */
import type { Logger } from '../util/logger.js';
import type { KeyStore, PrivateJwk } from '../keys/store.js';
import type { Metrics } from '../metrics/metrics.js';
import type { DeliveryRow, LogoutDeliveryRepository } from '../db/repos/logout-deliveries.js';
import { DEFAULT_BACKOFF_BASE_MS, settlementOf, type AttemptOutcome } from '../domain/logout-deliveries.js';
import { isDatabaseUnavailable, outageReporter } from '../db/errors.js';
import { logoutTokenClaims, signLogoutToken } from './logout-token.js';

/** How long past the request timeout a claimed row stays with its claimer before it is due again. */
const LEASE_MARGIN_MS = 30_000;
const FALLBACK_ID_TOKEN_ALG = 'ES256';
/** Batches per deliverDue() at most (each of batchSize rows). */
const MAX_BATCHES = 100;

export interface DeliveryWorkerOptions {
  deliveries: LogoutDeliveryRepository;
  /** The algorithm logout tokens are signed with, as ID tokens are (SIGNING_ALGS' first). */
  idTokenAlg?: string | undefined;
  keys: Pick<KeyStore, 'current'>;
  issuer: string;
  logger: Logger;
  /** Attempts per delivery before it is marked failed (LOGOUT_DELIVERY_ATTEMPTS). */
  attempts: number;
  /** Timeout of one POST (LOGOUT_DELIVERY_TIMEOUT_MS). */
  timeoutMs: number;
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
  /** The SOAP body (a signed SAML LogoutRequest) of a `saml_soap` delivery; without it such rows fail. */
  samlSoap?: ((row: DeliveryRow) => Promise<string>) | undefined;
  /** sso_logout_deliveries_total by status. */
  metrics?: Pick<Metrics, 'logoutDelivery'> | undefined;
}

export interface DeliveryPass {
  delivered: number;
  retried: number;
  failed: number;
}

type Signer = (clientId: string, accountId: string, sid: string | null) => Promise<string>;
type Claimed = { row: DeliveryRow; attempt: number };

/** What is recorded of a failed attempt: a status code or the network error, never the request. */
function describeError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `timeout after ${timeoutMs} ms`;
  const cause = e?.cause?.code ?? e?.cause?.message;
  const text = cause ? `${e?.message ?? 'error'}: ${cause}` : (e?.message ?? String(err));
  return text.slice(0, 500);
}

export class DeliveryWorker {
  private readonly deliveries: LogoutDeliveryRepository;
  private readonly logger: Logger;
  private readonly alg: string;
  private readonly maxAttempts: number;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => Date;
  private readonly backoffBase: number;
  private readonly pollMs: number;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly reportOutage: ReturnType<typeof outageReporter>;
  private readonly inFlight = new Set<Promise<unknown>>();
  private running = false;
  private loopDone: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private kicked = false;

  constructor(private readonly o: DeliveryWorkerOptions) {
    this.deliveries = o.deliveries;
    this.logger = o.logger;
    this.alg = o.idTokenAlg ?? FALLBACK_ID_TOKEN_ALG;
    this.maxAttempts = Math.max(1, o.attempts);
    this.fetchImpl = o.fetchImpl ?? globalThis.fetch;
    this.now = o.now ?? (() => new Date());
    this.backoffBase = o.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS;
    this.pollMs = o.pollIntervalMs ?? 1000;
    this.batchSize = o.batchSize ?? 50;
    this.concurrency = Math.max(1, o.concurrency ?? 8);
    this.leaseMs = o.leaseMs ?? o.timeoutMs + LEASE_MARGIN_MS;
    this.reportOutage = outageReporter(o.logger);
  }

  /**
   * Signing for one pass: the current keys, read once. Clients have no ID token algorithm of
   * their own (clients/metadata.ts sets none), so every token is signed with the configured one.
   */
  private async signer(): Promise<Signer> {
    const { set, jwks } = await this.o.keys.current();
    const signing = set.signing.get(this.alg) ?? [...set.signing.values()][0];
    const jwk: PrivateJwk | undefined = signing ? jwks.find((j) => j.kid === signing.kid) : undefined;
    return async (clientId, accountId, sid) => {
      if (!jwk) throw new Error('no signing key');
      return signLogoutToken(logoutTokenClaims({ issuer: this.o.issuer, clientId, sub: accountId, sid, now: this.now() }), jwk);
    };
  }

  private async post(uri: string, token: string, soap = false): Promise<AttemptOutcome> {
    try {
      const res = await this.fetchImpl(uri, {
        method: 'POST',
        redirect: 'manual',
        headers: soap ? { 'content-type': 'text/xml; charset=utf-8', soapaction: '"http://www.oasis-open.org/committees/security"', accept: '*/*' } : { 'content-type': 'application/x-www-form-urlencoded', accept: '*/*' },
        body: soap ? token : new URLSearchParams({ logout_token: token }).toString(),
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
      await res.body?.cancel().catch(() => {});
      if (res.status >= 200 && res.status < 300) return { ok: true };
      return { ok: false, error: `HTTP ${res.status}` };
    } catch (err) {
      return { ok: false, error: describeError(err, this.o.timeoutMs) };
    }
  }

  private async attempt({ row, attempt }: Claimed, signer: Promise<Signer>): Promise<AttemptOutcome> {
    try {
      if (row.kind === 'saml_soap') {
        if (!this.o.samlSoap) return { ok: false, error: 'SAML logout is not available here' };
        return await this.post(row.uri, await this.o.samlSoap(row), true);
      }
      const token = await (await signer)(row.clientId, row.accountId, row.sid);
      return await this.post(row.uri, token);
    } catch (err) {
      return { ok: false, error: `signing failed: ${(err as Error).message}`.slice(0, 500) };
    }
  }

  private async deliverOne(c: Claimed, signer: Promise<Signer>, tally: DeliveryPass): Promise<void> {
    const log = { delivery: c.row.id, account: c.row.accountId, client: c.row.clientId, attempt: c.attempt };
    const outcome = await this.attempt(c, signer);
    const settlement = settlementOf(outcome, c.attempt, this.maxAttempts, this.now(), this.backoffBase);
    const settled = await this.deliveries.settle(c.row.id, c.attempt, settlement);
    if (settlement.status === 'delivered') {
      if (settled) this.count(tally, 'delivered');
      this.logger.info({ event: 'logout.delivered', ...log }, 'back-channel logout delivered');
    } else if (settlement.status === 'failed') {
      if (settled) this.count(tally, 'failed');
      this.logger.error({ event: 'logout.failed', ...log, error: settlement.lastError }, 'back-channel logout not delivered; giving up');
    } else {
      if (settled) this.count(tally, 'retried');
      this.logger.warn({ event: 'logout.retry', ...log, error: settlement.lastError, nextAttemptAt: settlement.nextAttemptAt.toISOString() }, 'back-channel logout failed; will retry');
    }
  }

  private count(tally: DeliveryPass, what: keyof DeliveryPass): void {
    tally[what]++;
    this.o.metrics?.logoutDelivery(what === 'retried' ? 'retry' : what);
  }

  /** Claims the due rows this instance may attempt; gives up those whose last allowed attempt's sender died. */
  private async claimDue(due: DeliveryRow[], at: Date, tally: DeliveryPass): Promise<Claimed[]> {
    const claimed: Claimed[] = [];
    const leaseUntil = new Date(at.getTime() + this.leaseMs);
    for (const row of due) {
      if (row.attempts >= this.maxAttempts) {
        if (await this.deliveries.abandon(row, at, row.lastError ?? 'interrupted: the instance sending it stopped')) this.count(tally, 'failed');
        continue;
      }
      if (await this.deliveries.claim(row, at, leaseUntil)) claimed.push({ row, attempt: row.attempts + 1 });
    }
    return claimed;
  }

  /** One batch: claim, then POST with bounded concurrency. Returns how many rows were due. */
  private async passOnce(tally: DeliveryPass): Promise<number> {
    const at = this.now();
    const due = await this.deliveries.due(at, this.batchSize);
    if (!due.length) return 0;
    const claimed = await this.claimDue(due, at, tally);
    if (claimed.length) {
      const signer = this.signer();
      signer.catch(() => {}); // each delivery records the failure
      let i = 0;
      const worker = async () => {
        while (i < claimed.length) await this.deliverOne(claimed[i++]!, signer, tally);
      };
      await Promise.all(Array.from({ length: Math.min(this.concurrency, claimed.length) }, worker));
    }
    return due.length;
  }

  /** Delivers every due row (in batches); safe to run on several instances at once. */
  deliverDue(): Promise<DeliveryPass> {
    const p = (async () => {
      const tally: DeliveryPass = { delivered: 0, retried: 0, failed: 0 };
      for (let i = 0; i < MAX_BATCHES; i++) {
        if ((await this.passOnce(tally)) < this.batchSize) break;
      }
      return tally;
    })();
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p)).catch(() => {});
    return p;
  }

  /** Wakes the loop now (non-blocking). Without a running loop, call deliverDue(). */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  private async nextDueIn(): Promise<number> {
    const next = await this.deliveries.nextDueAt();
    if (!next) return this.pollMs;
    return Math.max(0, Math.min(this.pollMs, next.getTime() - this.now().getTime()));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.wake = undefined;
        resolve();
      };
      const t = setTimeout(done, ms);
      t.unref();
      this.wake = done;
    });
  }

  private async loop(): Promise<void> {
    while (this.running) {
      this.kicked = false;
      let sleep = this.pollMs;
      try {
        const r = await this.deliverDue();
        if (r.delivered || r.retried || r.failed) this.logger.debug({ event: 'logout.delivery_pass', ...r }, 'logout delivery pass');
        sleep = await this.nextDueIn();
      } catch (err) {
        if (isDatabaseUnavailable(err)) this.reportOutage(err, 'logout-deliveries');
        else this.logger.warn({ event: 'logout.delivery_pass_failed', error: (err as Error).message }, 'logout delivery pass failed; retrying shortly');
      }
      if (!this.running) break;
      if (this.kicked) continue;
      await this.sleep(sleep);
    }
  }

  /** Starts the loop: a pass at once, then on every kick, at the next due retry, or every poll interval. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Stops the loop and waits for the passes in flight. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loopDone;
    this.loopDone = undefined;
    await Promise.allSettled([...this.inFlight]);
  }
}
