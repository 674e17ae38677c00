/**
 * How `sso` ends: exit 0 done, 1 failed, 2 wrong usage or configuration. Every error a command
 * throws comes here once, in main(), which prints its message and returns its exit code.
 */
import { CommanderError } from 'commander';
import { ConfigError } from '../config/load.js';
import { SsoError, type ErrorCode } from '../domain/errors.js';
import { OutputClosed } from './output.js';

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A command's own exit code, thrown after its output was written: nothing more is printed. */
export class CommandExit extends Error {
  constructor(readonly exitCode: number, message = `sso: exit ${exitCode}`) {
    super(message);
  }
}

/** The exit code of each SsoError code: what was asked is malformed (2), or could not be done (1). */
const EXIT_OF: Readonly<Record<ErrorCode, number>> = {
  invalid_input: EXIT.usage,
  not_found: EXIT.failed,
  exists: EXIT.failed,
  conflict: EXIT.failed,
  forbidden: EXIT.failed,
  unauthenticated: EXIT.failed,
  csrf: EXIT.failed,
  too_many_attempts: EXIT.failed,
  unavailable: EXIT.failed,
  session_expired: EXIT.failed,
  not_local: EXIT.failed,
};

export function exitCodeOf(err: unknown): number {
  if (err instanceof CommandExit) return err.exitCode;
  // the reader of standard output went away (`| head`): it had what it wanted
  if (err instanceof OutputClosed) return err.quiet ? EXIT.ok : EXIT.failed;
  // commander has written its message (or the help, exit 0) already
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (err instanceof ConfigError) return EXIT.usage;
  if (err instanceof SsoError) return EXIT_OF[err.code];
  return EXIT.failed;
}

/** Prints what went wrong (`sso: <message>` on stderr), unless it was written already, and returns the exit code. */
export function reportError(err: unknown, io: { err(line: string): void }): number {
  if (err instanceof OutputClosed && err.quiet) return exitCodeOf(err);
  if (!(err instanceof CommandExit || err instanceof CommanderError)) io.err(`sso: ${(err as Error).message}`);
  return exitCodeOf(err);
}
