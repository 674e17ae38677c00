/**
 * The failure floor: a login that does not let the person in is answered no sooner than
 * LOGIN_FAILURE_FLOOR_MS after it began, so the time it takes does not tell a local account, a
 * directory account and an unknown login apart (a local password costs an argon2 verify, a
 * directory one a search and a bind, an unknown login a dummy of either). The attempt waits: no
 * CPU is spent (no extra argon2 on directory logins). An attempt slower than the floor (a
 * directory timing out, a throttle delay) is not slowed further: the floor hides the ordinary
 * differences, which are all below it (README, "Password guessing", for the measurements).
 */

/** Milliseconds from some fixed point (performance.now by default). */
export type Clock = () => number;

export interface Floor {
  /** The instant an attempt began. */
  start(): number;
  /** Waits until `floorMs` after `started` (at once when that has passed). */
  wait(started: number): Promise<void>;
}

export function createFloor(floorMs: number, sleep: (ms: number) => Promise<void>, clock: Clock = () => performance.now()): Floor {
  return {
    start: clock,
    async wait(started) {
      const left = Math.ceil(floorMs - (clock() - started));
      if (floorMs > 0 && left > 0) await sleep(left);
    },
  };
}
