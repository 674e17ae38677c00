/** Settings every scenario shares. BENCH_QUICK=1 shrinks every run to a smoke test of seconds. */
export { PG_ADMIN_URL } from '../../test/helpers/db.js';

export const QUICK = process.env.BENCH_QUICK === '1' || process.env.BENCH_QUICK === 'true';

/** Warm-up and measured seconds of a load run. */
export const WARMUP_S = QUICK ? 1 : 3;
export const MEASURE_S = QUICK ? 2 : 10;

/** Progress for the person watching: stderr, never stdout (stdout's last line is the report). */
export function progress(msg: string): void {
  process.stderr.write(`  ${msg}\n`);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
