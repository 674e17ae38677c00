/** What every command of `sso` is given: its input and output, the configuration, the services. */
import type { Config } from '../config/load.js';
import type { Services } from '../app/container.js';

export interface CliIO {
  out(line: string): void;
  err(line: string): void;
  env: Record<string, string | undefined>;
  readSecret(question: string): Promise<string>;
}

export interface CliContext {
  io: CliIO;
  /** The configuration, loaded from io.env on first use (`sso --help` needs none). */
  getConfig(): Config;
  /** The services (src/services.ts), opened once on first use; main() closes them when the command is done. */
  open(): Promise<Services>;
  /** The real `sso` process (bin/sso.js), not a test driving main(): its signals and its terminal are the command's. */
  terminal: boolean;
}
