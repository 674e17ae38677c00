/**
 * Real-browser tests: Debian's Chromium driven by playwright-core, one browser per test file.
 *
 *   const b = await launchChromium();
 *   const ctx = await b.context('vi');          // bypassCSP, so axe can be injected
 *   const page = await ctx.newPage();
 *   await b.check(page, 'login');               // axe: fails on serious/critical; screenshot
 *   await b.close();
 *
 * Screenshots go to test-results/screenshots/<backend>-<file>-<step>.png (CI keeps the folder). axe-core
 * is injected as source text (the product's CSP forbids inline script, so the context bypasses
 * CSP; @axe-core/playwright needs Node 22).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { testBackend } from './db.js';

export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
export const SCREENSHOTS = resolve('test-results', 'screenshots');
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

export interface TestBrowser {
  browser: Browser;
  /** A fresh context: its own cookies, the page language, CSP bypassed for axe. */
  context(locale?: 'vi' | 'en'): Promise<BrowserContext>;
  /** Runs axe on the page (no serious or critical violation allowed) and saves a screenshot. */
  check(page: Page, step: string): Promise<void>;
  close(): Promise<void>;
}

export async function launchChromium(file: string): Promise<TestBrowser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const contexts: BrowserContext[] = [];
  return {
    browser,
    async context(locale = 'vi') {
      const ctx = await browser.newContext({ bypassCSP: true, locale: locale === 'vi' ? 'vi-VN' : 'en-GB', viewport: { width: 390, height: 844 }, acceptDownloads: true });
      ctx.setDefaultTimeout(15_000);
      contexts.push(ctx);
      return ctx;
    },
    async check(page, step) {
      await page.screenshot({ path: join(SCREENSHOTS, `${testBackend()}-${file}-${step}.png`), fullPage: true });
      await page.addScriptTag({ content: AXE_SOURCE });
      const violations = await page.evaluate(async () => {
        const g = globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: AxeViolation[] }> }; document: unknown };
        const r = await g.axe.run(g.document, { resultTypes: ['violations'] });
        return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
      });
      const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      if (bad.length) throw new Error(`accessibility (${step}, ${page.url()}): ${JSON.stringify(bad, null, 2)}`);
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close();
    },
  };
}

export interface RunningApp {
  url: string;
  clientId: string;
  /** Lines the application printed (its back-channel logout events). */
  lines: string[];
  stop(): Promise<void>;
}

/** Starts examples/web-app on a loopback port as one relying party. */
export async function startExampleApp(o: { issuer: string; clientId: string; clientSecret: string; port: number; name: string; scope?: string }): Promise<RunningApp> {
  const url = `http://127.0.0.1:${o.port}`;
  const child: ChildProcess = spawn(process.execPath, [resolve('examples/web-app/server.mjs')], {
    env: { ...process.env, ISSUER: o.issuer, CLIENT_ID: o.clientId, CLIENT_SECRET: o.clientSecret, BASE_URL: url, PORT: String(o.port), APP_NAME: o.name, COOKIE_NAME: `app_session_${o.port}`, ...(o.scope ? { SCOPE: o.scope } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`example app did not start: ${stderr}`)), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      for (const l of String(d).split('\n').filter(Boolean)) {
        lines.push(l);
        if (l.includes('"listening"')) {
          clearTimeout(timer);
          ok();
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`example app exited ${code}: ${stderr}`));
    });
  });
  return {
    url,
    clientId: o.clientId,
    lines,
    stop: () => new Promise<void>((done) => {
      if (child.exitCode !== null) return done();
      child.once('exit', () => done());
      child.kill('SIGTERM');
    }),
  };
}

