/**
 * scripts/fuzz.ts against a live server: ~3000 seeded random requests over every endpoint. The
 * report must be clean (no 5xx but honest 503s, no stack or internal detail, every request
 * answered, the server alive afterwards) and the server process must see no unhandled rejection.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from './helpers/server.js';
import { collectUnhandled } from './helpers/hostile.js';
import { generate, type FuzzReport } from '../scripts/fuzz.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REDIRECT = 'http://127.0.0.1:9/cb';
const SEED = 20261202;
const REQUESTS = 3000;
let server: TestServer;
let clientId: string;
const unhandled = collectUnhandled();

beforeAll(async () => {
  // throttle delays kept short: the fuzzer's wrong passwords would otherwise make it a slow test
  server = await startTestServer({ THROTTLE_MAX_DELAY_MS: '20' });
  await server.services.accounts.addLocal({ login: 'vu.thi.g', password: 'mật-khẩu-của-g-2026', displayName: 'Vũ Thị G' });
  clientId = (await server.services.clients.add({ name: 'Một cửa', type: 'web', redirectUris: [REDIRECT] })).client.client_id;
});
afterAll(async () => {
  await server?.stop();
  unhandled.stop();
});

function runScript(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/fuzz.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('the same seed sends the same requests', () => {
  expect(JSON.stringify(generate(SEED, 40))).toBe(JSON.stringify(generate(SEED, 40)));
  expect(JSON.stringify(generate(SEED, 40))).not.toBe(JSON.stringify(generate(SEED + 1, 40)));
});

test(`${REQUESTS} random requests: a clean report, no unhandled rejection in the server`, async () => {
  const r = await runScript(['--url', server.issuer, '--requests', String(REQUESTS), '--seed', String(SEED), '--client-id', clientId, '--redirect-uri', REDIRECT, '--json']);
  const report = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as FuzzReport;
  expect({ problems: report.problems?.slice(0, 10), alive: report.alive, stderr: r.stderr.trim() }).toEqual({ problems: [], alive: true, stderr: '' });
  expect(r.code).toBe(0);
  expect(report.answered + report.unsendable + report.refusedUnread).toBe(REQUESTS);
  expect(report.answered).toBeGreaterThan(REQUESTS * 0.95);
  // it reached the product, not only its 404 page: logins pages, protocol errors, redirects
  for (const status of ['200', '302', '303', '400', '401', '404']) expect([status, report.statuses[status] ?? 0]).toEqual([status, expect.any(Number)]);
  expect(Object.keys(report.statuses).length).toBeGreaterThan(5);
  expect(unhandled.seen).toEqual([]);
  expect(server.logs.filter((l) => /"level":"(error|fatal)"/.test(l)).map((l) => l.slice(0, 400))).toEqual([]);
}, 240_000);

test('usage errors exit 2', async () => {
  const r = await runScript(['--requests', '10']);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/--url is required/);
});
