/**
 * HTTP load with autocannon: a warm-up run (discarded), then a measured run of fixed duration.
 * Latency percentiles come from every response's time (autocannon's own summary has no p95).
 */
import autocannon from 'autocannon';
import { MEASURE_S, WARMUP_S } from './env.js';
import { round, summarize } from './stats.js';

export interface LoadSpec {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
}

export interface LoadResult {
  /** Completed requests per second over the measured run. */
  rps: number;
  requests: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  /** Responses with a status outside 2xx. */
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
}

function once(spec: LoadSpec, seconds: number, onResponse?: (ms: number) => void): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url: spec.url, method: spec.method ?? 'GET', headers: spec.headers, body: spec.body, connections: spec.connections, duration: seconds, pipelining: 1, timeout: 10 },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    if (onResponse) instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => onResponse(ms));
  });
}

export async function loadTest(spec: LoadSpec, warmupS = WARMUP_S, measureS = MEASURE_S): Promise<LoadResult> {
  if (warmupS > 0) await once(spec, warmupS);
  const times: number[] = [];
  const r = await once(spec, measureS, (ms) => times.push(ms));
  const s = summarize(times);
  const seconds = r.duration;
  return {
    rps: round(r.requests.total / seconds),
    requests: r.requests.total,
    p50: round(s.p50),
    p95: round(s.p95),
    p99: round(s.p99),
    mean: round(s.mean),
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    seconds: round(seconds),
  };
}
