/**
 * The real `sso` command as a child process: `node bin/sso.js …` (or any command line, e.g.
 * `npm start`), with an environment the test gives in full (no inherited settings), its output
 * collected, and a bounded wait for the server's "sso started" line.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SSO_BIN = fileURLToPath(new URL('../../bin/sso.js', import.meta.url));

/** The environment a child gets when the test names nothing else: a PATH and a HOME, no settings. */
export function bareEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...extra };
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/sso.js <args>` to its end (bounded by `timeout` ms). */
export function runSso(args: string[], opts: { cwd?: string; env?: Record<string, string>; timeout?: number } = {}): Finished {
  const r = spawnSync(process.execPath, [SSO_BIN, ...args], { cwd: opts.cwd ?? ROOT, env: opts.env ?? bareEnv(), encoding: 'utf8', timeout: opts.timeout ?? 60_000 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface Serving {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** The "sso started" log line, parsed. */
  started: Promise<{ listening: string; [k: string]: unknown }>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (to the process group when `group`), then the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts a long-running command (`sso serve`, `npm start`) and waits for its "sso started" line. */
export function serve(command: string, args: string[], opts: { cwd?: string; env: Record<string, string>; group?: boolean; timeoutMs?: number }): Serving {
  const child = spawn(command, args, { cwd: opts.cwd ?? ROOT, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: opts.group ?? false });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const started = new Promise<{ listening: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within ${opts.timeoutMs ?? 60_000} ms: ${out.slice(-3000)}`)), opts.timeoutMs ?? 60_000);
    const check = () => {
      const line = out.split('\n').find((l) => l.includes('"msg":"sso started"'));
      if (!line) return;
      clearTimeout(timer);
      child.stdout!.off('data', check);
      resolve(JSON.parse(line) as { listening: string });
    };
    child.stdout!.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`server exited before starting: ${out.slice(-3000)}`));
    });
  });
  started.catch(() => {});
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      if (opts.group) process.kill(-child.pid!, 'SIGTERM');
      else child.kill('SIGTERM');
    }
    return exited;
  };
  return { child, output: () => out, started, exited, stop };
}

/** Does a TCP connection to host:port succeed? */
export function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, host);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** The JSON log lines of an output, parsed (other lines left out). */
export function logLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return {};
      }
    });
}
