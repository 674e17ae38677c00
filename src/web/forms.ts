/**
 * Form fields and query parameters, parsed by zod schemas into typed values. A form field that is
 * not what it should be is refused: an SsoError('invalid_input') naming the field, whose detail
 * the console shows as "please check what you entered: …". A query parameter that is not what it
 * should be reads as absent ('' or the schema's default), as a link may carry anything.
 *
 * Urlencoded bodies and queries hold strings, arrays of strings (a repeated key) or nothing; no
 * field of ours is an array, and none may contain NUL (PostgreSQL text cannot hold one).
 */
import { z } from 'zod';
import { SsoError } from '../domain/errors.js';

/** In a schema's messages, `{field}` stands for the name of the field the message is about. */
const FIELD = /\{field\}/g;

const withoutNul = (v: string) => !v.includes('\u0000');

/** A form field: a string of at most `max` characters without NUL ('' when absent); anything else is refused. */
export function text(max: number) {
  const tooLong = `{field} (at most ${max} characters)`;
  return z.string({ error: tooLong }).max(max, { error: tooLong }).refine(withoutNul, { error: tooLong }).default('');
}

/** A query parameter: a string of at most `max` characters without NUL; anything else (absent, repeated, too long) reads as ''. */
export function queryText(max: number) {
  return z.string().max(max).refine(withoutNul).catch('');
}

/** Lines of a textarea: trimmed, empty ones dropped. Pure. */
export function lines(value: string): string[] {
  return value.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
}

/** The refusal of a form: the first problem, naming its field. */
function refusal(error: z.ZodError): SsoError {
  const issue = error.issues[0];
  const field = issue?.path.length ? String(issue.path[issue.path.length - 1]) : 'form';
  const detail = (issue?.message ?? '{field}').replace(FIELD, field);
  const message = detail.includes(field) ? detail : `${field}: ${detail}`;
  return new SsoError('invalid_input', message, { field, params: { detail } });
}

/**
 * A form (an urlencoded body; none at all reads as empty) through its schema: the typed value,
 * or an SsoError('invalid_input') naming the first field that is not what it should be.
 */
export function parseForm<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw refusal(r.error);
  return r.data;
}

/** The query of a request through its schema (made of queryText and other lenient parts: a link may carry anything). */
export function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.output<S> {
  return parseForm(schema, query);
}
