/**
 * `npm run bench` end to end in quick mode (BENCH_QUICK=1) on one cheap scenario (startup): the
 * orchestrator runs it as a child process and writes benchmarks.json and benchmarks.md, well
 * formed. No timing is asserted: speed is what the benchmarks report, not what tests check.
 * Plus the report's parsing and rendering, which are pure.
 *
 * The bench makes its own SQLite and PostgreSQL databases whatever TEST_DATABASE says, so it runs
 * in the SQLite pass of the suite only (running it again in the PostgreSQL pass would test
 * nothing new).
 */
import { describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseScenarioOutput, renderMarkdown, reportProblems, type BenchFile } from '../bench/lib/report.js';
import { percentile, summarize } from '../bench/lib/stats.js';
import { testBackend } from './helpers/db.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

describe('bench report', () => {
  test('a scenario report is its last stdout line; malformed ones are refused with the reason', () => {
    const good = { scenario: 'x', title: 'X', results: [{ name: 'rate', value: 10, unit: 'req/s', baseline: 20, target: '>= 60% of baseline', met: false }], notes: [] };
    expect(parseScenarioOutput(`progress\n${JSON.stringify(good)}\n`)).toEqual(good);
    expect(() => parseScenarioOutput('no report here')).toThrow(/not JSON/);
    expect(reportProblems({ ...good, results: [{ name: 'n', value: Number.NaN, unit: 'ms' }] })).toEqual(['results[0].value must be a finite number']);
    expect(reportProblems({ scenario: '', title: 1, results: {}, notes: [2] })).toHaveLength(4);
  });

  test('percentiles are nearest-rank', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 95)).toBe(95);
    expect(percentile(xs, 99)).toBe(99);
    expect(summarize([3, 1, 2])).toMatchObject({ count: 3, p50: 2, max: 3, mean: 2 });
  });

  test('the markdown has the machine, one table per scenario with ratio and verdict, and the failures', () => {
    const run: BenchFile = {
      startedAt: '2026-12-02T00:00:00.000Z',
      finishedAt: '2026-12-02T00:10:00.000Z',
      machine: { cpuModel: 'Test CPU', cores: 2, ramGb: 8, os: 'Linux', node: 'v20', postgresql: 'PostgreSQL 15', slapd: 'slapd 2.5', loadBefore: [0.1, 0.2, 0.3], loadAfter: [1, 1, 1], quick: false },
      scenarios: [{ scenario: 'token', title: 'Token | endpoint', ranAt: '2026-12-02T00:01:00.000Z', seconds: 60, load: [0.1, 1.5], notes: ['a note'],
        results: [{ name: 'rate', value: 600, unit: 'req/s', baseline: 1000, baselineName: 'bare', target: '>= 60% of baseline', met: true }, { name: 'p99', value: 40, unit: 'ms', baseline: 10, target: '<= 3x baseline', met: false }] }],
      failures: [{ scenario: 'login', error: 'exited 1' }],
    };
    const md = renderMarkdown(run);
    expect(md).toContain('| CPU | Test CPU, 2 cores |');
    expect(md).toContain('## Token \\| endpoint (`token`)');
    expect(md).toContain('| rate | 600 req/s | 1,000 req/s (bare) | 0.60x | >= 60% of baseline | yes |');
    expect(md).toContain('| p99 | 40 ms | 10 ms | 4.00x | <= 3x baseline | **no** |');
    expect(md).toContain('- a note');
    expect(md).toContain('- `login`: exited 1');
  });
});

(testBackend() === 'sqlite' ? describe : describe.skip)('npm run bench (quick)', () => {
  test('runs the startup scenario in a child process and writes benchmarks.json and benchmarks.md', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sso-bench-test-'));
    try {
      const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((done) => {
        const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'run.ts'), 'startup'], {
          cwd: ROOT,
          env: { ...process.env, NODE_OPTIONS: '', BENCH_QUICK: '1', BENCH_OUT: out },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let err = '';
        child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
        child.once('close', (c) => done({ code: c, stderr: err }));
      });
      expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
      const run = JSON.parse(readFileSync(join(out, 'benchmarks.json'), 'utf8')) as BenchFile;
      expect(run.failures).toEqual([]);
      expect(run.machine.quick).toBe(true);
      expect(run.machine.cores).toBeGreaterThan(0);
      expect(run.machine.postgresql).toMatch(/^PostgreSQL \d+/);
      expect(run.machine.slapd).toMatch(/slapd \d/);
      expect(run.scenarios.map((s) => s.scenario)).toEqual(['startup']);
      const s = run.scenarios[0]!;
      expect(reportProblems(s)).toEqual([]);
      expect(s.results.length).toBeGreaterThanOrEqual(8);
      for (const r of s.results) {
        expect(r.value).toBeGreaterThan(0);
        expect(r.baseline).toBeGreaterThan(0);
      }
      const md = readFileSync(join(out, 'benchmarks.md'), 'utf8');
      expect(md).toContain('quick mode');
      expect(md).toContain('## Start-up time and idle memory (`startup`)');
      expect(md).toContain('| Measure | Measured | Baseline | Ratio | Target | Met |');
      expect(md.split('\n').filter((l) => l.startsWith('| SQLite, ') || l.startsWith('| PostgreSQL, '))).toHaveLength(8);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 240_000);
});
