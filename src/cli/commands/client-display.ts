/**
 * The app launcher's fields of `sso client add|update`: --home-url, --description, --logo-file
 * (and, on update, --no-logo). An empty --home-url '' or --description '' removes the value.
 */
import { readFile, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { LOGO_MAX_BYTES, logoProblem, type DisplayUpdate } from '../../clients/display.js';
import { SsoError } from '../../domain/errors.js';

export interface DisplayOptions {
  homeUrl?: string;
  description?: string;
  logoFile?: string;
  /** false with --no-logo (update only). */
  logo?: boolean;
}

/** Adds the options to `add` or `update`. */
export function displayOptions(cmd: Command, update: boolean): Command {
  cmd
    .option('--home-url <url>', `where the application lives, listed in the app launcher (https, or http on loopback)${update ? "; '' removes it" : ''}`)
    .option('--description <text>', `a short description shown in the app launcher (at most 200 characters)${update ? "; '' removes it" : ''}`)
    .option('--logo-file <file>', 'a PNG or JPEG logo (at most 256 KiB), stored in the database');
  if (update) cmd.option('--no-logo', 'remove the logo');
  return cmd;
}

/** Reads a logo file, refusing a missing, too large or non-PNG/JPEG one (exit 2). */
async function readLogo(file: string): Promise<Uint8Array> {
  let bytes: Buffer;
  try {
    if ((await stat(file)).size > LOGO_MAX_BYTES) throw new SsoError('invalid_input', `--logo-file ${file}: the logo must be at most ${LOGO_MAX_BYTES / 1024} KiB`);
    bytes = await readFile(file);
  } catch (err) {
    if (err instanceof SsoError) throw err;
    throw new SsoError('invalid_input', `--logo-file ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const why = logoProblem(bytes);
  if (why) throw new SsoError('invalid_input', `--logo-file ${file}: ${why}`);
  return new Uint8Array(bytes);
}

/** The options given -> the display fields' change (absent: unchanged). */
export async function displayOf(o: DisplayOptions): Promise<DisplayUpdate> {
  if (o.logoFile !== undefined && o.logo === false) throw new SsoError('invalid_input', '--logo-file and --no-logo contradict each other');
  return {
    ...(o.homeUrl !== undefined ? { homeUrl: o.homeUrl } : {}),
    ...(o.description !== undefined ? { description: o.description } : {}),
    ...(o.logoFile !== undefined ? { logo: await readLogo(o.logoFile) } : o.logo === false ? { logo: null } : {}),
  };
}

/** Does the change touch a display field? */
export const touchesDisplay = (o: DisplayOptions): boolean => o.homeUrl !== undefined || o.description !== undefined || o.logoFile !== undefined || o.logo === false;
