/** Who acts, for the audit trail: the operator's OS account and host, or the person in the console. */
import { AsyncLocalStorage } from 'node:async_hooks';
import { hostname, userInfo } from 'node:os';
import type { AuditEventInput } from './events.js';

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
