/**
 * Where the settings of one `sso` run come from, and which mode it runs in.
 *
 * - The environment file: `--config FILE`, else `SSO_CONFIG`, else `.env` in the working
 *   directory when there is one (the real process only). Variables already in the environment
 *   win over the file's.
 * - The mode: production unless `--dev` or `NODE_ENV=development` (or `test`) says otherwise;
 *   `--dev` with any other `NODE_ENV` is refused. The default is production so that a server
 *   started from the wrong directory, or with its file missing, refuses to start instead of
 *   serving the demo directory and a demo password.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { ConfigError, loadConfig, type Config, type RawEnv } from './load.js';

export interface SourceOptions {
  /** `--dev`: development mode. */
  dev?: boolean | undefined;
  /** `--config FILE`. */
  config?: string | undefined;
  /** Where relative paths are resolved, and where `.env` is looked for. */
  cwd: string;
  /** Read `<cwd>/.env` when no file is named (the real process; tests driving main() do not). */
  implicitDotenv: boolean;
}

/** The environment file to read, and how it was named; undefined when there is none. */
export function configFileOf(env: RawEnv, opts: SourceOptions): { path: string; by: string } | undefined {
  if (opts.config !== undefined) {
    if (!opts.config.trim()) throw new ConfigError(['--config: give the path of an environment file']);
    return { path: resolve(opts.cwd, opts.config), by: '--config' };
  }
  const named = env.SSO_CONFIG?.trim();
  if (named) return { path: resolve(opts.cwd, named), by: 'SSO_CONFIG' };
  const dotenv = join(opts.cwd, '.env');
  return opts.implicitDotenv && existsSync(dotenv) ? { path: dotenv, by: '.env in the working directory' } : undefined;
}

/** The mode of this run: `--dev`, else NODE_ENV, else production. Pure. */
export function selectMode(nodeEnv: string | undefined, dev: boolean): string {
  const v = nodeEnv?.trim() || undefined;
  if (dev && v !== undefined && v !== 'development') {
    throw new ConfigError([`--dev selects development mode, but NODE_ENV=${v}: remove --dev, or NODE_ENV (production refuses the demo and generated secrets)`]);
  }
  if (dev) return 'development';
  // an unknown value is left for the schema to name
  return v ?? 'production';
}

function readEnvFile(path: string, by: string): RawEnv {
  try {
    return parseDotenv(readFileSync(path, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError([`${by}: cannot read ${path} (${code})`]);
  }
}

export interface Environment {
  /** The environment the configuration is parsed from: the file's variables under the process's, NODE_ENV set. */
  env: RawEnv;
  mode: string;
  /** The file read, if any. */
  file?: string | undefined;
}

/** The environment of this run: file read, mode selected. Throws ConfigError (exit 2) with the reason. */
export function resolveEnvironment(env: RawEnv, opts: SourceOptions): Environment {
  const source = configFileOf(env, opts);
  const fromFile = source ? readEnvFile(source.path, source.by) : {};
  const merged: RawEnv = { ...fromFile };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) merged[k] = v;
  const mode = selectMode(merged.NODE_ENV, opts.dev ?? false);
  return { env: { ...merged, NODE_ENV: mode }, mode, file: source?.path };
}

/** The configuration of this run (resolveEnvironment, then loadConfig), with the file it came from. */
export function loadRunConfig(env: RawEnv, opts: SourceOptions): Config {
  const resolved = resolveEnvironment(env, opts);
  try {
    return { ...loadConfig(resolved.env), configFile: resolved.file };
  } catch (err) {
    // production with nothing read: most likely the wrong directory, or a file not named
    if (err instanceof ConfigError && resolved.mode === 'production' && !resolved.file) {
      throw new ConfigError([...err.problems, `no environment file was read: name it with --config FILE or SSO_CONFIG (sso runs in production unless --dev; \`npm start\` runs the demo)`]);
    }
    throw err;
  }
}
