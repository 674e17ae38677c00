/**
 * Standard output for `sso`: when its reader goes away (`sso audit export | head`), the command
 * stops at its next line and ends quietly with exit 0, instead of an EPIPE stack trace. Any other
 * failure to write is reported once, as an error.
 */

/** Thrown by out() once standard output is closed; main() ends the command without a word. */
export class OutputClosed extends Error {
  constructor(override readonly cause: NodeJS.ErrnoException) {
    super(`cannot write to standard output (${cause.code ?? cause.message})`);
  }
  /** The reader went away (EPIPE): nothing went wrong for the command itself. */
  get quiet(): boolean {
    return this.cause.code === 'EPIPE';
  }
}

/** A line writer on `stream` that throws OutputClosed once the stream has failed. */
export function lineWriter(stream: NodeJS.WriteStream): (line: string) => void {
  let failure: NodeJS.ErrnoException | undefined;
  // without a listener a write error is an uncaught exception (and a stack on stderr)
  stream.on('error', (err: NodeJS.ErrnoException) => {
    failure ??= err;
  });
  return (line) => {
    if (failure) throw new OutputClosed(failure);
    stream.write(line + '\n');
  };
}
