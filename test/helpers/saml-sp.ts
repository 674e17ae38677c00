/**
 * Real SAML service providers for the tests, from Debian's packages: a pysaml2 SP
 * (test/fixtures/saml/pysaml2_sp.py on python3's wsgiref) and Apache with mod_auth_mellon
 * protecting a page. Each runs in the foreground in a temp dir; stop() kills it and removes the
 * dir, and a hook on the real process's exit kills one that was not stopped.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './ports.js';
import { realProcess } from './slapd.js';

export const PYTHON = process.env.SAML_PYTHON ?? '/usr/bin/python3';
const SCRIPT = resolve('test/fixtures/saml/pysaml2_sp.py');

export interface RunningSp {
  /** http://127.0.0.1:PORT */
  url: string;
  entityId: string;
  /** The SP's metadata, to register it. */
  metadata: string;
  dir: string;
  output: string[];
  stop(): Promise<void>;
}

function startProcess(cmd: string, args: string[], ready: (line: string) => boolean, output: string[], opts: { cwd?: string } = {}): Promise<ChildProcess> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.cwd });
  const kill = () => child.kill('SIGKILL');
  realProcess().once('exit', kill);
  child.once('exit', () => realProcess().off('exit', kill));
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${cmd} did not start: ${output.join('')}`)), 15_000);
    const onData = (d: Buffer) => {
      for (const l of String(d).split('\n').filter(Boolean)) {
        output.push(l);
        if (ready(l)) {
          clearTimeout(timer);
          ok(child);
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${cmd} exited ${code}: ${output.join('\n')}`));
    });
  });
}

function stopper(child: ChildProcess, dir: string): () => Promise<void> {
  return () => new Promise<void>((done) => {
    const finish = () => {
      rmSync(dir, { recursive: true, force: true });
      done();
    };
    if (child.exitCode !== null || child.signalCode !== null) return finish();
    child.once('exit', finish);
    child.kill('SIGTERM');
  });
}

/** The pysaml2 SP, trusting the IdP metadata at `idpMetadataUrl` (fetched once, written to a file). */
export async function startPysaml2Sp(idpMetadataUrl: string): Promise<RunningSp> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sso-pysaml2-'));
  const idpFile = join(dir, 'idp.xml');
  writeFileSync(idpFile, await (await fetch(idpMetadataUrl)).text());
  const metadata = execFileSync(PYTHON, [SCRIPT, String(port), idpFile, dir, '--metadata'], { encoding: 'utf8' });
  const output: string[] = [];
  const child = await startProcess(PYTHON, [SCRIPT, String(port), idpFile, dir], (l) => l.includes('listening'), output);
  const url = `http://127.0.0.1:${port}`;
  return { url, entityId: `${url}/sp`, metadata, dir, output, stop: stopper(child, dir) };
}
