/**
 * The login, as one use case: attempt(login, password, context) -> outcome.
 *
 *   1. The login is canonicalised once (domain/login.ts).
 *   2. Throttle decision one, before the directory: the failure is counted in advance against the
 *      login and the client address (one atomic write per key), so that parallel attempts see each
 *      other; a key over its limit refuses the attempt before any password check (the count is
 *      taken back), a key near it delays it.
 *   3. Throttle decision two, before the bind: once the directory has said which entry the login
 *      names, the guess counts against the entry's stable id too (BindGuard), so a uid and its
 *      aliases share one limit; a block there stops the attempt before the bind.
 *   4. The password is checked by the directory or locally (authenticate.ts); the account state
 *      is applied and the account linked just in time.
 *   5. The counts are settled (a success clears the person's, the address keeps its other
 *      failures; an outcome that says nothing against the password is taken back), the attempt is
 *      logged, audited and counted in the metrics, and one outcome returned.
 */
import type { Logger } from '../util/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { AuditRecorder } from '../audit/log.js';
import type { BindGuard } from '../directory/types.js';
import type { CountedFailure, LoginThrottle } from '../db/repos/throttle.js';
import { accountKey, addressKey, entryKey, keyType } from '../domain/throttle.js';
import { Login } from '../domain/login.js';
import type { Authenticate } from './authenticate.js';
import type { LoginContext, LoginFailure, LoginOutcome, LoginResult } from './types.js';

/**
 * Failed logins that count against the throttle: a wrong password or unknown login, and the
 * outcomes a wrong password can hide (a disabled, expired or locked entry). The others say
 * nothing against the password (directory unreachable) or prove it right, and are not counted.
 */
export const THROTTLED_FAILURES: ReadonlySet<LoginFailure> = new Set<LoginFailure>(['invalid_credentials', 'disabled', 'expired', 'locked']);

export interface LoginUseCaseDeps {
  throttle: LoginThrottle;
  authenticate: Authenticate;
  /** The province's mail domains: "name@<domain>" names the same person as "name". */
  mailDomains: readonly string[];
  logger: Logger;
  audit?: AuditRecorder | undefined;
  metrics?: Pick<Metrics, 'login' | 'throttled'> | undefined;
  /** How the attempt waits out a throttle delay (tests may pass their own). */
  sleep?: ((ms: number) => Promise<void>) | undefined;
}

export interface LoginUseCase {
  attempt(input: { login: string; password: string }, ctx: LoginContext): Promise<LoginOutcome>;
}

/** Thrown by the BindGuard when the person's entry is blocked: no bind is tried. */
class EntryBlocked extends Error {
  constructor(readonly until: Date, readonly key: string) {
    super('entry blocked');
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type Deps = LoginUseCaseDeps & { sleep: (ms: number) => Promise<void> };
type EntryCount = { key: string; counted: CountedFailure };

function refused(deps: Deps, login: Login, ctx: LoginContext, until: Date, key: string | undefined): LoginOutcome {
  const type = key ? keyType(key) : undefined;
  deps.logger.info({ event: 'login.throttled', action: 'block', keyType: type, until: until.toISOString(), login: login.forLog, ip: ctx.ip, client: ctx.clientId }, 'login refused: too many failed attempts');
  void deps.audit?.record({ type: 'login.failure', outcome: 'throttled', actor: login.forLog, clientId: ctx.clientId, ip: ctx.ip ?? null, detail: { until: until.toISOString() } });
  deps.metrics?.login('throttled');
  deps.metrics?.throttled('blocked', type);
  return { kind: 'throttled', until };
}

/** The guard that counts the guess against the entry the directory resolved, before its bind. */
function entryGuard(throttle: LoginThrottle): { guard: BindGuard; counted: () => EntryCount | undefined } {
  let entry: EntryCount | undefined;
  const guard: BindGuard = async (identity) => {
    const key = entryKey(identity.externalId);
    entry = { key, counted: await throttle.recordFailure([key]) };
    const d = entry.counted.decision;
    if (d.action === 'block') throw new EntryBlocked(d.until, key);
  };
  return { guard, counted: () => entry };
}

/** Settles the counts taken in advance, once the outcome is known. */
async function settle(throttle: LoginThrottle, result: LoginResult, keys: { account: string; address: string }, counted: CountedFailure, entry: EntryCount | undefined) {
  if (result.ok) {
    // The person starts afresh; the address keeps its other failures (this one is taken back).
    await throttle.recordSuccess(keys.account);
    if (entry) await throttle.recordSuccess(entry.key);
    await throttle.undoFailure(counted, [keys.address]);
  } else if (!THROTTLED_FAILURES.has(result.reason)) {
    await throttle.undoFailure(counted);
    if (entry) await throttle.undoFailure(entry.counted);
  }
}

/** Logs, audits and counts the outcome of a checked password. */
function report(deps: Deps, login: Login, ctx: LoginContext, result: LoginResult): LoginOutcome {
  if (!result.ok) {
    deps.logger.info({ event: 'login.failure', reason: result.reason, detail: result.detail, login: login.forLog, client: ctx.clientId }, 'login failed');
    void deps.audit?.record({ type: 'login.failure', outcome: result.reason, actor: login.forLog, clientId: ctx.clientId, ip: ctx.ip ?? null, detail: { detail: result.detail } });
    deps.metrics?.login(result.reason);
    return { kind: 'failure', reason: result.reason };
  }
  deps.logger.info({ event: 'login.success', account: result.account.id, client: ctx.clientId }, 'login succeeded');
  deps.metrics?.login('success');
  void deps.audit?.record({ type: 'login.success', outcome: 'success', actor: login.forLog, subject: result.account.id, clientId: ctx.clientId, ip: ctx.ip ?? null, detail: { source: result.account.source } });
  return { kind: 'success', account: result.account, amr: ['pwd'] };
}

/** Decision one: counted before the password check; a block refuses (taken back), a delay is waited out. */
async function countInAdvance(deps: Deps, login: Login, ctx: LoginContext, keys: { account: string; address: string }): Promise<CountedFailure | LoginOutcome> {
  const counted = await deps.throttle.recordFailure([keys.account, keys.address]);
  const decision = counted.decision;
  if (decision.action === 'block') {
    // refused before any check: the attempt was no guess, so it does not count
    await deps.throttle.undoFailure(counted);
    return refused(deps, login, ctx, decision.until, decision.key);
  }
  if (decision.action === 'delay') {
    const type = decision.key ? keyType(decision.key) : undefined;
    deps.logger.info({ event: 'login.throttled', action: 'delay', keyType: type, ms: decision.ms, login: login.forLog, ip: ctx.ip, client: ctx.clientId }, 'login delayed after failed attempts');
    deps.metrics?.throttled('delayed', type);
    await deps.sleep(decision.ms);
  }
  return counted;
}

async function attempt(deps: Deps, input: { login: string; password: string }, ctx: LoginContext): Promise<LoginOutcome> {
  const login = Login.of(input.login, deps.mailDomains);
  if (!login.canonical || !input.password) {
    deps.metrics?.login('bad_request');
    return { kind: 'bad_request' };
  }
  const keys = { account: accountKey(login), address: addressKey(ctx.ip) };
  const counted = await countInAdvance(deps, login, ctx, keys);
  if ('kind' in counted) return counted;
  // Decision two, inside authenticate: the entry's count, before the bind.
  const entry = entryGuard(deps.throttle);
  let result: LoginResult;
  try {
    result = await deps.authenticate(login, input.password, entry.guard);
  } catch (err) {
    if (err instanceof EntryBlocked) return refused(deps, login, ctx, err.until, err.key);
    await deps.throttle.undoFailure(counted).catch(() => undefined);
    const e = entry.counted();
    if (e) await deps.throttle.undoFailure(e.counted).catch(() => undefined);
    throw err;
  }
  await settle(deps.throttle, result, keys, counted, entry.counted());
  return report(deps, login, ctx, result);
}

export function createLoginUseCase(deps: LoginUseCaseDeps): LoginUseCase {
  const d: Deps = { ...deps, sleep: deps.sleep ?? defaultSleep };
  return { attempt: (input, ctx) => attempt(d, input, ctx) };
}
