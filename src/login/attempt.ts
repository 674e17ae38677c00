/**
 * The login, as one use case: attempt(login, password, context) -> outcome.
 *
 *   1. The login is canonicalised once (domain/login.ts); the known-device cookie is verified
 *      (known-device.ts): has this person succeeded on this browser before?
 *   2. Throttle decision one, before the directory: the failure is counted in advance against
 *      the keys of this source (throttle-plan.ts: the person, the person from this address and
 *      the address, or for a known device the person on this device), one atomic write per key,
 *      so that parallel attempts see each other; a key over its limit refuses the attempt before
 *      any password check (the count is taken back), a key near it delays it.
 *   3. Throttle decision two, before the bind: once the directory has said which entry the login
 *      names, the guess counts against the entry's stable id too (BindGuard: entry:<id>, or
 *      known:<id> from a known device), so a uid and its aliases share one limit, and the guesses
 *      reaching the directory stay below its lockout (domain/throttle-budget.ts).
 *   4. The password is checked by the directory or locally (authenticate.ts).
 *   5. The counts are settled (a success clears the person's and this source's, the address keeps
 *      its other failures; an outcome that says nothing against the password is taken back), the
 *      attempt is logged, audited and counted in the metrics, and one outcome returned.
 *   6. Every attempt that does not let the person in (a failure or a refusal) is answered no
 *      sooner than the failure floor after it began (floor.ts): waiting, not computing.
 */
import type { Logger } from '../util/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { AuditRecorder } from '../audit/log.js';
import type { BindGuard } from '../directory/types.js';
import type { CountedFailure, LoginThrottle } from '../db/repos/throttle.js';
import { keyType } from '../domain/throttle.js';
import { escapeControls, Login } from '../domain/login.js';
import type { Authenticate } from './authenticate.js';
import type { KnownDevice, KnownDevices } from './known-device.js';
import { throttlePlan, type ThrottlePlan } from './throttle-plan.js';
import { createFloor, type Clock } from './floor.js';
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
  /** The known-device cookie (none: every browser is an unknown device, no cookie is set). */
  devices?: KnownDevices | undefined;
  /** LOGIN_FAILURE_FLOOR_MS: a failed attempt is answered no sooner than this after it began. */
  failureFloorMs?: number | undefined;
  /** How the attempt waits (a throttle delay, the failure floor); tests may pass their own. */
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** Milliseconds, for the failure floor (default performance.now). */
  clock?: Clock | undefined;
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
type EntryCount = { key: string; externalId: string; counted: CountedFailure };

function refused(deps: Deps, login: Login, ctx: LoginContext, until: Date, key: string | undefined): LoginOutcome {
  const type = key ? keyType(key) : undefined;
  deps.logger.info({ event: 'login.throttled', action: 'block', keyType: type, until: until.toISOString(), login: login.forLog, ip: ctx.ip, userAgent: ctx.userAgent, client: ctx.clientId, outcome: 'blocked' }, 'login refused: too many failed attempts');
  void deps.audit?.record({ type: 'login.failure', outcome: 'throttled', actor: login.forLog, clientId: ctx.clientId, ip: ctx.ip ?? null, detail: { until: until.toISOString(), key_type: type, user_agent: ctx.userAgent } });
  deps.metrics?.login('throttled');
  deps.metrics?.throttled('blocked', type);
  return { kind: 'throttled', until, keyType: type };
}

/** The guard that counts the guess against the entry the directory resolved, before its bind. */
function entryGuard(throttle: LoginThrottle, plan: ThrottlePlan, login: Login): { guard: BindGuard; counted: () => EntryCount | undefined } {
  let entry: EntryCount | undefined;
  const guard: BindGuard = async (identity) => {
    const key = plan.entry(identity.externalId);
    // the login noted on the entry's counter: `sso throttle unblock --login` finds it before any account is linked
    entry = { key, externalId: identity.externalId, counted: await throttle.recordFailure([key], undefined, { [key]: escapeControls(login.person) }) };
    const d = entry.counted.decision;
    if (d.action === 'block') throw new EntryBlocked(d.until, key);
  };
  return { guard, counted: () => entry };
}

/** Settles the counts taken in advance, once the outcome is known. */
async function settle(throttle: LoginThrottle, result: LoginResult, plan: ThrottlePlan, counted: CountedFailure, entry: EntryCount | undefined) {
  if (result.ok) {
    // The person starts afresh (so does the directory's own count); the address keeps its other failures.
    await throttle.recordSuccess(plan.clearOnSuccess(entry?.externalId ?? result.account.externalId ?? undefined));
    if (plan.takeBackOnSuccess.length) await throttle.undoFailure(counted, plan.takeBackOnSuccess);
  } else if (!THROTTLED_FAILURES.has(result.reason)) {
    await throttle.undoFailure(counted);
    if (entry) await throttle.undoFailure(entry.counted);
  }
}

/** Logs, audits and counts the outcome of a checked password. */
function report(deps: Deps, login: Login, ctx: LoginContext, result: LoginResult, plan: ThrottlePlan): LoginOutcome {
  if (!result.ok) {
    deps.logger.info({ event: 'login.failure', reason: result.reason, detail: result.detail, unverified: result.unverified || undefined, known_device: plan.known, login: login.forLog, ip: ctx.ip, userAgent: ctx.userAgent, client: ctx.clientId, outcome: result.reason }, 'login failed');
    void deps.audit?.record({ type: 'login.failure', outcome: result.reason, actor: login.forLog, clientId: ctx.clientId, ip: ctx.ip ?? null, detail: { detail: result.detail, ...(result.unverified ? { unverified: true } : {}), known_device: plan.known, user_agent: ctx.userAgent } });
    deps.metrics?.login(result.reason);
    return { kind: 'failure', reason: result.reason, ...(result.unverified ? { unverified: true } : {}) };
  }
  deps.logger.info({ event: 'login.success', account: result.account.id, login: login.forLog, ip: ctx.ip, userAgent: ctx.userAgent, client: ctx.clientId, known_device: plan.known, outcome: 'success' }, 'login succeeded');
  deps.metrics?.login('success');
  void deps.audit?.record({ type: 'login.success', outcome: 'success', actor: login.forLog, subject: result.account.id, clientId: ctx.clientId, ip: ctx.ip ?? null, detail: { source: result.account.source, known_device: plan.known, user_agent: ctx.userAgent } });
  return { kind: 'success', account: result.account, amr: ['pwd'] };
}

/** Decision one: counted before the password check; a block refuses (taken back), a delay is waited out. */
async function countInAdvance(deps: Deps, login: Login, ctx: LoginContext, plan: ThrottlePlan): Promise<CountedFailure | LoginOutcome> {
  const counted = await deps.throttle.recordFailure(plan.first);
  const decision = counted.decision;
  if (decision.action === 'block') {
    // refused before any check: the attempt was no guess, so it does not count
    await deps.throttle.undoFailure(counted);
    return refused(deps, login, ctx, decision.until, decision.key);
  }
  if (decision.action === 'delay') {
    const type = decision.key ? keyType(decision.key) : undefined;
    deps.logger.info({ event: 'login.throttled', action: 'delay', keyType: type, ms: decision.ms, login: login.forLog, ip: ctx.ip, userAgent: ctx.userAgent, client: ctx.clientId, outcome: 'delayed' }, 'login delayed after failed attempts');
    deps.metrics?.throttled('delayed', type);
    await deps.sleep(decision.ms);
  }
  return counted;
}

/** The persons this browser now knows: the login typed, and the account's own login. */
function rememberDevice(deps: Deps, login: Login, device: KnownDevice | null, outcome: LoginOutcome & { kind: 'success' }): LoginOutcome {
  if (!deps.devices) return outcome;
  const persons = [login.person, Login.of(outcome.account.login, deps.mailDomains).person];
  return { ...outcome, device: deps.devices.remember(device, persons, new Date()) };
}

async function check(deps: Deps, login: Login, password: string, ctx: LoginContext): Promise<LoginOutcome> {
  const device = deps.devices?.read(ctx.device, new Date()) ?? null;
  const plan = throttlePlan(login, ctx.ip, device && deps.devices!.knows(device, login.person) ? device.id : null);
  const counted = await countInAdvance(deps, login, ctx, plan);
  if ('kind' in counted) return counted;
  // Decision two, inside authenticate: the entry's count, before the bind.
  const entry = entryGuard(deps.throttle, plan, login);
  let result: LoginResult;
  try {
    result = await deps.authenticate(login, password, entry.guard);
  } catch (err) {
    if (err instanceof EntryBlocked) return refused(deps, login, ctx, err.until, err.key);
    await deps.throttle.undoFailure(counted).catch(() => undefined);
    const e = entry.counted();
    if (e) await deps.throttle.undoFailure(e.counted).catch(() => undefined);
    throw err;
  }
  await settle(deps.throttle, result, plan, counted, entry.counted());
  const outcome = report(deps, login, ctx, result, plan);
  return outcome.kind === 'success' ? rememberDevice(deps, login, device, outcome) : outcome;
}

export function createLoginUseCase(deps: LoginUseCaseDeps): LoginUseCase {
  const d: Deps = { ...deps, sleep: deps.sleep ?? defaultSleep };
  const floor = createFloor(deps.failureFloorMs ?? 0, d.sleep, deps.clock);
  return {
    async attempt(input, ctx) {
      const started = floor.start();
      const login = Login.of(input.login, d.mailDomains);
      if (!login.canonical || !input.password) {
        // nothing checked, nothing to hide: answered at once
        d.metrics?.login('bad_request');
        return { kind: 'bad_request' };
      }
      const outcome = await check(d, login, input.password, ctx);
      // every refusal and failure, whatever its path, waits out the same floor
      if (outcome.kind === 'failure' || outcome.kind === 'throttled') await floor.wait(started);
      return outcome;
    },
  };
}
