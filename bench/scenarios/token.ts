/**
 * Token endpoint, client_credentials, opaque tokens stored: this IdP on SQLite and on PostgreSQL
 * vs bare oidc-provider (in-memory adapter, its own Koa server), measured before and after ours
 * in the same run, autocannon, 50 connections. Then the database statements one token request
 * costs, counted on a fixed number of requests.
 *
 * Targets: >= 60% of the bare rate; p99 <= 3x the bare p99; no non-2xx.
 * BENCH_PROFILE=dir writes a V8 CPU profile of each IdP process there.
 */
import { emit, type BenchResult } from '../lib/report.js';
import { loadTest, type LoadResult } from '../lib/load.js';
import { progress, QUICK, WARMUP_S } from '../lib/env.js';
import { postgresCpuMs, startBareProvider, startCountingIdp, startIdp, type ServerProcess } from '../lib/processes.js';
import { addServiceClient, basicAuth, BACKENDS, freshDatabase, type Backend } from '../lib/setup.js';
import { round } from '../lib/stats.js';

const CONNECTIONS = 50;
const COUNTED_REQUESTS = QUICK ? 20 : 200;
const BARE = 'bare oidc-provider, in-memory, Koa';
const LABEL: Record<Backend, string> = { sqlite: 'SQLite', postgresql: 'PostgreSQL' };
const profileDir = process.env.BENCH_PROFILE;

function tokenRequest(id: string, secret: string) {
  return {
    method: 'POST' as const,
    headers: { authorization: basicAuth(id, secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  };
}

/** One request by hand first: a 200 with an opaque (not JWT) bearer token, or the run is void. */
async function checkToken(s: ServerProcess, id: string, secret: string): Promise<void> {
  const req = tokenRequest(id, secret);
  const r = await fetch(`${s.url}/token`, { method: 'POST', headers: req.headers, body: req.body });
  const j = (await r.json()) as { access_token?: string; token_type?: string };
  if (r.status !== 200 || typeof j.access_token !== 'string') throw new Error(`token request failed: ${r.status} ${JSON.stringify(j)}`);
  if (j.access_token.includes('.')) throw new Error('expected an opaque access token, got a JWT');
}

const bareClient = { client_id: 'bench-service', client_secret: 'bench-service-secret-0123456789abcdef', grant_types: ['client_credentials'], redirect_uris: [], response_types: [] };

const bareCpuSamples: number[] = [];
async function bare(): Promise<LoadResult> {
  const s = await startBareProvider([bareClient], profileDir);
  try {
    await checkToken(s, bareClient.client_id, bareClient.client_secret);
    const spec = { url: `${s.url}/token`, connections: CONNECTIONS, ...tokenRequest(bareClient.client_id, bareClient.client_secret) };
    await loadTest(spec, WARMUP_S, 0.5);
    const c0 = s.cpuMs();
    const r = await loadTest(spec, 0);
    bareCpuSamples.push((s.cpuMs() - c0) / Math.max(1, r.requests));
    return r;
  } finally {
    await s.stop();
  }
}

const fmtLoad = (r: LoadResult) => `${r.rps} req/s, p50 ${r.p50} ms, p95 ${r.p95} ms, p99 ${r.p99} ms, ${r.non2xx} non-2xx, ${r.errors} errors`;

const notes: string[] = [
  'The load generator runs on the same cores as the servers: when this IdP and the baseline reach the same rate, the generator (or the machine) is the limit, and the server CPU per request is the figure that tells them apart.',
  `autocannon, ${CONNECTIONS} connections, one request per connection at a time, POST /token grant_type=client_credentials with client_secret_basic; ${QUICK ? 'quick mode' : '3 s warm-up, 10 s measured'}; each server in its own process; the baseline runs before and after this IdP and its two runs are averaged.`];
progress('bare oidc-provider (before)');
const bare1 = await bare();
progress(fmtLoad(bare1));

const ours: Partial<Record<Backend, { load: LoadResult; statements: number; underLoad: number; breakdown: Record<string, number>; cpu: { server: number; database: number } }>> = {};
for (const backend of BACKENDS) {
  const db = await freshDatabase(backend);
  try {
    const client = await addServiceClient(db.url);
    progress(`this IdP on ${backend}`);
    const idp = await startIdp({ databaseUrl: db.url, cpuProfDir: profileDir });
    let result: LoadResult;
    let cpu: { server: number; database: number };
    try {
      await checkToken(idp, client.id, client.secret);
      await loadTest({ url: `${idp.url}/token`, connections: CONNECTIONS, ...tokenRequest(client.id, client.secret) }, WARMUP_S, 0.5);
      const c0 = idp.cpuMs();
      const p0 = backend === 'postgresql' ? postgresCpuMs(db.url) : 0;
      result = await loadTest({ url: `${idp.url}/token`, connections: CONNECTIONS, ...tokenRequest(client.id, client.secret) }, 0);
      const n = Math.max(1, result.requests);
      cpu = { server: (idp.cpuMs() - c0) / n, database: backend === 'postgresql' ? (postgresCpuMs(db.url) - p0) / n : 0 };
    } finally {
      await idp.stop();
    }
    progress(fmtLoad(result));
    // round trips: a fixed number of requests, one at a time, every statement counted
    const counting = await startCountingIdp({ databaseUrl: db.url });
    let counts;
    let underLoad = 0;
    try {
      const req = tokenRequest(client.id, client.secret);
      for (let i = 0; i < 5; i++) await (await fetch(`${counting.url}/token`, { method: 'POST', headers: req.headers, body: req.body })).arrayBuffer();
      await counting.reset();
      for (let i = 0; i < COUNTED_REQUESTS; i++) {
        const r = await fetch(`${counting.url}/token`, { method: 'POST', headers: req.headers, body: req.body });
        await r.arrayBuffer();
        if (r.status !== 200) throw new Error(`counted token request failed: ${r.status}`);
      }
      counts = await counting.counts();
      // and under load: the group commit puts many tokens in one statement
      await counting.reset();
      const loaded = await loadTest({ url: `${counting.url}/token`, connections: CONNECTIONS, ...req }, 0, QUICK ? 1 : 3);
      underLoad = (await counting.counts()).total / Math.max(1, loaded.requests);
    } finally {
      await counting.stop();
    }
    const breakdown = Object.fromEntries(Object.entries(counts.byStatement).map(([k, v]) => [k, round(v / COUNTED_REQUESTS)]));
    ours[backend] = { load: result, statements: round(counts.total / COUNTED_REQUESTS), underLoad: round(underLoad), breakdown, cpu };
    progress(`${round(counts.total / COUNTED_REQUESTS)} statements per request: ${JSON.stringify(breakdown)}`);
  } finally {
    await db.drop();
  }
}

progress('bare oidc-provider (after)');
const bare2 = await bare();
progress(fmtLoad(bare2));
const baseRps = round((bare1.rps + bare2.rps) / 2);
const bareCpu = round(bareCpuSamples.reduce((a, b) => a + b, 0) / bareCpuSamples.length);
const baseP50 = round((bare1.p50 + bare2.p50) / 2);
const baseP95 = round((bare1.p95 + bare2.p95) / 2);
const baseP99 = round((bare1.p99 + bare2.p99) / 2);
notes.push(`bare oidc-provider: before ${fmtLoad(bare1)}; after ${fmtLoad(bare2)}.`);
if (bare1.non2xx + bare2.non2xx + bare1.errors + bare2.errors) notes.push('the baseline itself had non-2xx responses or errors: its figures are suspect');

const results: BenchResult[] = [];
for (const backend of BACKENDS) {
  const o = ours[backend]!;
  const l = LABEL[backend];
  const r = o.load;
  results.push(
    { name: `${l}: token requests/s`, value: r.rps, unit: 'req/s', baseline: baseRps, baselineName: BARE, target: '>= 60% of baseline', met: r.rps >= 0.6 * baseRps },
    { name: `${l}: p50 latency`, value: r.p50, unit: 'ms', baseline: baseP50, baselineName: BARE },
    { name: `${l}: p95 latency`, value: r.p95, unit: 'ms', baseline: baseP95, baselineName: BARE },
    { name: `${l}: p99 latency`, value: r.p99, unit: 'ms', baseline: baseP99, baselineName: BARE, target: '<= 3x baseline', met: r.p99 <= 3 * baseP99 },
    { name: `${l}: non-2xx responses and errors`, value: r.non2xx + r.errors + r.timeouts, unit: 'responses', target: '0', met: r.non2xx + r.errors + r.timeouts === 0 },
    { name: `${l}: database statements per token request, one at a time`, value: o.statements, unit: 'statements' },
    { name: `${l}: database statements per token request, ${CONNECTIONS} connections`, value: o.underLoad, unit: 'statements' },
    { name: `${l}: server CPU per token request under load`, value: round(o.cpu.server), unit: 'ms', baseline: bareCpu, baselineName: BARE },
    ...(backend === 'postgresql' ? [{ name: `${l}: PostgreSQL server CPU per token request under load`, value: round(o.cpu.database), unit: 'ms' }] : []),
  );
  notes.push(`${l}: ${fmtLoad(r)}; statements per request (counted over ${COUNTED_REQUESTS} requests): ${Object.entries(o.breakdown).map(([k, v]) => `${k} ${v}`).join(', ')}.`);
}

emit({ scenario: 'token', title: 'Token endpoint: client_credentials, opaque tokens stored', results, notes });
