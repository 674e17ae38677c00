/**
 * The benchmark report: what a scenario prints (its last stdout line, one JSON object), what the
 * orchestrator writes (docs/benchmarks.json) and the markdown it renders (docs/benchmarks.md).
 * Rendering is pure, so a test can check it without running anything.
 */

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** The same measure of the baseline, taken in the same run on the same machine. */
  baseline?: number | undefined;
  baselineName?: string | undefined;
  /** The target in words, e.g. ">= 60% of baseline". */
  target?: string | undefined;
  met?: boolean | undefined;
}

export interface ScenarioReport {
  scenario: string;
  title: string;
  results: BenchResult[];
  notes: string[];
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  ramGb: number;
  os: string;
  node: string;
  postgresql: string;
  slapd: string;
  /** 1-minute load averages before and after the whole run. */
  loadBefore: number[];
  loadAfter: number[];
  quick: boolean;
}

/** A scenario's report as the orchestrator keeps it: when it ran, how long, under what load. */
export interface ScenarioRecord extends ScenarioReport {
  ranAt: string;
  seconds: number;
  /** 1-minute load average before and after this scenario. */
  load: [number, number];
}

export interface BenchFile {
  startedAt: string;
  finishedAt: string;
  machine: MachineInfo;
  scenarios: ScenarioRecord[];
  /** Scenarios that failed to produce a report, with why. */
  failures: { scenario: string; error: string }[];
}

/** The one line a scenario prints last on stdout. */
export function emit(report: ScenarioReport): void {
  process.stdout.write(`\n${JSON.stringify(report)}\n`);
}

/** A scenario's report from its stdout: the last line that parses as a report. */
export function parseScenarioOutput(stdout: string): ScenarioReport {
  const lines = stdout.trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  let v: unknown;
  try {
    v = JSON.parse(last);
  } catch {
    throw new Error(`the last line of the scenario's output is not JSON: ${last.slice(0, 200)}`);
  }
  const problems = reportProblems(v);
  if (problems.length) throw new Error(`malformed scenario report: ${problems.join('; ')}`);
  return v as ScenarioReport;
}

/** Every way `v` is not a ScenarioReport. Pure. */
export function reportProblems(v: unknown): string[] {
  const p: string[] = [];
  if (typeof v !== 'object' || v === null) return ['not an object'];
  const r = v as Record<string, unknown>;
  if (typeof r.scenario !== 'string' || !r.scenario) p.push('scenario must be a non-empty string');
  if (typeof r.title !== 'string') p.push('title must be a string');
  if (!Array.isArray(r.notes) || r.notes.some((n) => typeof n !== 'string')) p.push('notes must be strings');
  if (!Array.isArray(r.results)) return [...p, 'results must be an array'];
  r.results.forEach((x: unknown, i) => {
    const e = x as Record<string, unknown>;
    if (typeof e !== 'object' || e === null) return p.push(`results[${i}] is not an object`);
    if (typeof e.name !== 'string') p.push(`results[${i}].name must be a string`);
    if (typeof e.value !== 'number' || !Number.isFinite(e.value)) p.push(`results[${i}].value must be a finite number`);
    if (typeof e.unit !== 'string') p.push(`results[${i}].unit must be a string`);
    if (e.baseline !== undefined && (typeof e.baseline !== 'number' || !Number.isFinite(e.baseline))) p.push(`results[${i}].baseline must be a number`);
    if (e.met !== undefined && typeof e.met !== 'boolean') p.push(`results[${i}].met must be a boolean`);
    return undefined;
  });
  return p;
}

const fmt = (n: number): string => {
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(Math.abs(n) >= 10 ? 1 : 2);
};

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** value / baseline, as the table shows it. */
export function ratio(r: BenchResult): string {
  if (r.baseline === undefined || r.baseline === 0) return '';
  return `${(r.value / r.baseline).toFixed(2)}x`;
}

/** docs/benchmarks.md from a run. Pure. */
export function renderMarkdown(run: BenchFile): string {
  const m = run.machine;
  const out: string[] = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\` (bench/run.ts) on ${run.finishedAt.slice(0, 10)}${m.quick ? ' in **quick mode (BENCH_QUICK=1): smoke run, numbers are not meaningful**' : ''}.`,
    'Each scenario runs in its own process, one after another, and measures its baseline in the same run,',
    'on the same machine, with the same load generator: compare ratios, not absolute numbers.',
    'The raw figures are in [benchmarks.json](benchmarks.json); how the design scales is in [scaling.md](scaling.md).',
    '',
    '## Machine',
    '',
    '| | |',
    '|---|---|',
    `| CPU | ${cell(m.cpuModel)}, ${m.cores} cores |`,
    `| RAM | ${m.ramGb} GB |`,
    `| OS | ${cell(m.os)} |`,
    `| Node.js | ${m.node} |`,
    `| PostgreSQL | ${cell(m.postgresql)} (127.0.0.1, same machine) |`,
    `| slapd | ${cell(m.slapd)} (loopback, same machine) |`,
    `| Load average (1 min) before / after | ${m.loadBefore.map((x) => x.toFixed(2)).join(', ')} / ${m.loadAfter.map((x) => x.toFixed(2)).join(', ')} |`,
    '',
    'A load average well above 0 before the run means other work shared the cores: the baselines, measured',
    'beside each figure, shared them too.',
    '',
  ];
  for (const s of run.scenarios) {
    out.push(`## ${cell(s.title)} (\`${s.scenario}\`)`, '');
    out.push(`Ran ${s.ranAt.replace('T', ' ').slice(0, 16)} UTC, ${Math.round(s.seconds)} s, load average ${s.load[0].toFixed(2)} → ${s.load[1].toFixed(2)}.`, '');
    out.push('| Measure | Measured | Baseline | Ratio | Target | Met |', '|---|---:|---:|---:|---|:---:|');
    for (const r of s.results) {
      const base = r.baseline === undefined ? '' : `${fmt(r.baseline)} ${r.unit}${r.baselineName ? ` (${cell(r.baselineName)})` : ''}`;
      const met = r.met === undefined ? '' : r.met ? 'yes' : '**no**';
      out.push(`| ${cell(r.name)} | ${fmt(r.value)} ${r.unit} | ${base} | ${ratio(r)} | ${cell(r.target ?? '')} | ${met} |`);
    }
    if (s.notes.length) {
      out.push('');
      for (const n of s.notes) out.push(`- ${cell(n)}`);
    }
    out.push('');
  }
  if (run.failures.length) {
    out.push('## Scenarios that failed', '');
    for (const f of run.failures) out.push(`- \`${f.scenario}\`: ${cell(f.error)}`);
    out.push('');
  }
  return out.join('\n');
}
