/** An error a console route throws to show a readable page with this status and message. */
import type { TextKey } from '../web/i18n/index.js';

export class ConsolePageError extends Error {
  constructor(readonly status: number, readonly key: TextKey, readonly params: Record<string, string | number> = {}) {
    super(key);
  }
}
