/**
 * A console form refused: the page is drawn again with what was typed (never a secret or a
 * password: the console's forms hold none) and the field in error marked (aria-invalid, its
 * message linked by aria-describedby) under an error summary at the top. Pure.
 */
import { isSsoError } from '../domain/errors.js';
import type { TextKey, Translator } from '../web/i18n/index.js';

export interface FieldError {
  /** The form field (its input's id), or 'form' when no field is to blame. */
  field: string;
  message: string;
}

/**
 * Which field of the application form a service's refusal is about, read from its wording when
 * it names none (the services speak to the CLI too). Pure.
 */
export function clientFieldOf(message: string): string {
  const m = message.toLowerCase();
  if (/^name\b/.test(m)) return 'name';
  if (m.includes('post-logout')) return 'post_logout_redirect_uris';
  if (m.includes('back-channel') || m.includes('backchannel')) return 'backchannel_logout_uri';
  if (m.includes('redirect')) return 'redirect_uris';
  if (/^type\b/.test(m)) return 'type';
  return 'form';
}

/** The refusal of a form as the page shows it, or null when `err` is no refusal of input (rethrow it). */
export function formErrors(err: unknown, fieldOf: (message: string) => string, t: Translator): FieldError[] | null {
  if (!isSsoError(err, 'invalid_input')) return null;
  // the page's sentence: the refusal's own text key, else a worded detail, else the operator's words
  const detail = err.messageKey ? t(err.messageKey as TextKey, err.params as Record<string, string>) : err.params.detail !== undefined ? String(err.params.detail) : err.message;
  return [{ field: err.field ?? fieldOf(err.message), message: detail }];
}

/** A field of an urlencoded body as it was typed ('' when absent or repeated). Pure. */
export function typed(body: unknown, name: string): string {
  const v = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  return typeof v === 'string' ? v.slice(0, 20_000) : '';
}
