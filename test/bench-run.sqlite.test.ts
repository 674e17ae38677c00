/**
 * `npm run bench` end to end in quick mode (BENCH_QUICK=1) on one cheap scenario (startup): the
 * orchestrator runs it as a child process and writes benchmarks.json and benchmarks.md, well
 * formed. No timing is asserted: speed is what the benchmarks report, not what tests check.
 *
 * The bench makes its own SQLite and PostgreSQL databases whatever TEST_DATABASE says, so it runs
 * in the SQLite pass of the suite only (the `.sqlite.test.ts` name; see scripts/test.mjs): running
 * it again in the PostgreSQL pass would test nothing new.
 */
import { describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reportProblems, type BenchFile } from '../bench/lib/report.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

describe('npm run bench (quick)', () => {
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
