/**
 * Waiting for an asynchronous effect (a logout token delivered, its row settled, a relying party
 * told): polls `fn` until it returns something truthy, and returns that; throws when `ms` pass
 * first. Never a fixed sleep: the effect is checked for, within a bound.
 */
export async function until<T>(what: string, fn: () => Promise<T> | T, ms = 10_000, every = 5): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

const SETTLED = new Set(['delivered', 'failed']);

/** True when every row is settled (delivered or failed): no attempt pending or in flight. */
export const allSettled = (rows: readonly { status: string }[]): boolean => rows.length > 0 && rows.every((r) => SETTLED.has(r.status));
