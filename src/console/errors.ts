/** An error a console route throws to show a readable page with this status and message. */
import type { ConsoleMessageKey } from './i18n.js';

export class ConsolePageError extends Error {
  constructor(readonly status: number, readonly key: ConsoleMessageKey, readonly params: Record<string, string | number> = {}) {
    super(key);
  }
}
