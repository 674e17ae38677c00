/** The bench report's parsing and rendering, which are pure (the quick run itself: bench-run.sqlite.test.ts). */
import { describe, expect, test } from '@jest/globals';
import { parseScenarioOutput, renderMarkdown, reportProblems, type BenchFile } from '../bench/lib/report.js';
import { percentile, summarize } from '../bench/lib/stats.js';

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
