/**
 * Failover across the configured directory servers, in order. A server that fails to connect
 * is skipped for a back-off period (doubling from 1 s to 30 s); a background probe brings it
 * back as soon as it answers. Pure state plus a clock.
 */
export interface ServerState {
  url: string;
  failures: number;
  deadUntil: number;
  lastError?: string | undefined;
}

export const BACKOFF_MIN_MS = 1_000;
export const BACKOFF_MAX_MS = 30_000;

export function backoffMs(failures: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.max(0, failures - 1));
}

export class ServerSet {
  readonly servers: ServerState[];

  constructor(urls: string[], private readonly now: () => number = Date.now) {
    if (!urls.length) throw new Error('no directory server configured');
    this.servers = urls.map((url) => ({ url, failures: 0, deadUntil: 0 }));
  }

  /** Servers to try now, in configured order: live ones first; if none is live, all of them. */
  candidates(): string[] {
    const t = this.now();
    const live = this.servers.filter((s) => s.deadUntil <= t).map((s) => s.url);
    return live.length ? live : this.servers.map((s) => s.url);
  }

  /** Servers currently skipped, for the background probe. */
  dead(): string[] {
    const t = this.now();
    return this.servers.filter((s) => s.deadUntil > t).map((s) => s.url);
  }

  markDead(url: string, error: string): void {
    const s = this.servers.find((x) => x.url === url);
    if (!s) return;
    s.failures += 1;
    s.lastError = error;
    s.deadUntil = this.now() + backoffMs(s.failures);
  }

  markAlive(url: string): void {
    const s = this.servers.find((x) => x.url === url);
    if (!s) return;
    s.failures = 0;
    s.deadUntil = 0;
    s.lastError = undefined;
  }

  /** Is this the first (preferred) server? A pooled connection to another is dropped when the first is back. */
  preferred(): string {
    return this.candidates()[0]!;
  }
}
