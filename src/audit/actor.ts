/** Who acts, for the audit trail: the operator's OS account and host, or the person in the console. */
import { AsyncLocalStorage } from 'node:async_hooks';
import { hostname, userInfo } from 'node:os';
import type { AuditEventInput } from './events.js';

/** The OS account running this process and its host: SUDO_USER when run through sudo, else the user. */
export function processActor(env: Record<string, string | undefined> = process.env): string {
  let user = env.SUDO_USER?.trim();
  if (!user) {
    try {
      user = userInfo().username;
    } catch {
      user = `uid ${process.getuid?.() ?? '?'}`;
    }
  }
  return `${user}@${hostname()}`;
}

// ---- the operator's own name (sso --actor NAME, or SSO_ACTOR) ---------------------------------
// Operators often share root on the server: root@<host> tells the audit trail nothing about who
// it was. An operator names themselves; the trail records "NAME (root@host)": the name they gave
// and, beside it, the OS account and host that ran the command, which they cannot change.

/** The longest name an operator may give. */
export const ACTOR_NAME_MAX = 64;

/** What is wrong with a name an operator gives (--actor, SSO_ACTOR), or null. Pure. */
export function actorNameProblem(name: string): string | null {
  const n = name.normalize('NFC').trim();
  if (!n) return 'must not be empty';
  if ([...n].length > ACTOR_NAME_MAX) return `must be at most ${ACTOR_NAME_MAX} characters`;
  if (/[\p{C}\p{Zl}\p{Zp}]/u.test(n)) return 'must be printable text on one line (no control characters)';
  return null;
}

/** The actor of a command: "NAME (user@host)" when the operator named themselves (a valid name), else user@host. */
export function operatorActor(name: string | undefined, env: Record<string, string | undefined> = process.env): string {
  const os = processActor(env);
  return name === undefined ? os : `${name.normalize('NFC').trim()} (${os})`;
}

// ---- who acts in this request -----------------------------------------------------------------
// The services record their changes with the log's default actor (the CLI's operator). A request
// of the admin console or the "my account" page runs inside actingAs(), so the same services
// record the person signed in to the console, and their address, as the actor.

export interface ActingContext {
  actor: string;
  ip?: string | null | undefined;
  /** The browser's User-Agent (util/log-fields.ts), kept as detail.user_agent. */
  userAgent?: string | undefined;
}

const acting = new AsyncLocalStorage<ActingContext>();

/** Runs fn with `ctx` as the actor of every audit event recorded without one. */
export function actingAs<T>(ctx: ActingContext, fn: () => T): T {
  return acting.run(ctx, fn);
}

/** The event with the acting context's actor and ip filled in where it has none. Pure apart from reading the context. */
export function withActingContext(e: AuditEventInput): AuditEventInput {
  const ctx = acting.getStore();
  if (!ctx) return e;
  const detail = ctx.userAgent && e.detail?.user_agent === undefined ? { ...e.detail, user_agent: ctx.userAgent } : e.detail;
  return { ...e, actor: e.actor === undefined ? ctx.actor : e.actor, ip: e.ip === undefined ? (ctx.ip ?? null) : e.ip, detail };
}

/** An audit log whose record() honours actingAs(); everything else is the log's own. */
export function actorAware<L extends { record(e: AuditEventInput): Promise<unknown> }>(log: L): L {
  return Object.create(log, { record: { value: (e: AuditEventInput) => log.record(withActingContext(e)) } }) as L;
}
