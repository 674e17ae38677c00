/**
 * Start-up time (spawn -> first 200 on /readyz) and resident memory after 5 s idle, of
 * `node bin/sso.js serve` on SQLite (fresh database: migrations and key generation included;
 * existing database) and on PostgreSQL (fresh, existing). Baseline: the bare oidc-provider
 * process (spawn -> first 200 on its discovery document; RSS after the same idle time). Both
 * run compiled JavaScript, as `sso` does. Medians of several starts.
 */
import { emit, type BenchResult } from '../lib/report.js';
import { progress, QUICK, sleep } from '../lib/env.js';
import { startBareProvider, startIdp, type ServerProcess } from '../lib/processes.js';
import { freshDatabase, type Backend } from '../lib/setup.js';
import { median, round } from '../lib/stats.js';

const REPS = QUICK ? 1 : 3;
const IDLE_MS = QUICK ? 1000 : 5000;
const BARE = 'bare oidc-provider process';

async function measure(start: () => Promise<ServerProcess>): Promise<{ readyMs: number; rssMb: number }> {
  const s = await start();
  try {
    await sleep(IDLE_MS);
    return { readyMs: s.readyMs, rssMb: s.rssMb() };
  } finally {
    await s.stop();
  }
}

const samples = new Map<string, { readyMs: number[]; rssMb: number[] }>();
const add = (name: string, m: { readyMs: number; rssMb: number }) => {
  const s = samples.get(name) ?? { readyMs: [], rssMb: [] };
  s.readyMs.push(m.readyMs);
  s.rssMb.push(m.rssMb);
  samples.set(name, s);
  progress(`${name}: ready in ${Math.round(m.readyMs)} ms, ${m.rssMb} MB after ${IDLE_MS / 1000} s idle`);
};

for (let i = 0; i < REPS; i++) {
  add('bare', await measure(() => startBareProvider([])));
  for (const backend of ['sqlite', 'postgresql'] as Backend[]) {
    const db = await freshDatabase(backend);
    try {
      add(`${backend} fresh`, await measure(() => startIdp({ databaseUrl: db.url })));
      add(`${backend} existing`, await measure(() => startIdp({ databaseUrl: db.url })));
    } finally {
      await db.drop();
    }
  }
}

const m = (name: string) => {
  const s = samples.get(name)!;
  return { readyMs: round(median(s.readyMs)), rssMb: round(median(s.rssMb)) };
};
const bare = m('bare');
const LABEL: Record<string, string> = {
  'sqlite fresh': 'SQLite, fresh database (migrations, new keys)',
  'sqlite existing': 'SQLite, existing database',
  'postgresql fresh': 'PostgreSQL, fresh database (migrations, new keys)',
  'postgresql existing': 'PostgreSQL, existing database',
};
const results: BenchResult[] = [];
for (const [key, label] of Object.entries(LABEL)) {
  const r = m(key);
  results.push(
    { name: `${label}: start-up to ready`, value: r.readyMs, unit: 'ms', baseline: bare.readyMs, baselineName: BARE },
    { name: `${label}: RSS after ${IDLE_MS / 1000} s idle`, value: r.rssMb, unit: 'MB', baseline: bare.rssMb, baselineName: BARE },
  );
}
emit({
  scenario: 'startup',
  title: 'Start-up time and idle memory',
  results,
  notes: [
    `median of ${REPS} start(s) each; every start is a new process; the IdP and the baseline alike run compiled JavaScript (esbuild), no TypeScript loader in the process.`,
    `all samples: ${[...samples].map(([k, v]) => `${k}: ${v.readyMs.map((x) => Math.round(x)).join('/')} ms, ${v.rssMb.join('/')} MB`).join('; ')}.`,
  ],
});
