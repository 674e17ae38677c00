/**
 * What is wrong with an application's fields, as stable codes naming the field: the console words
 * each one as a sentence about its form field (src/web/i18n/client-problems.ts), the CLI in its
 * own terms (its flags, `--redirect-uri`). Pure.
 */
import { SsoError } from '../domain/errors.js';
import { redirectUriIssue, uriIssueText, type UriIssue } from './redirect-uri.js';
import { CLIENT_TYPES, type ClientType } from './types.js';

/** The form fields (and CLI options) a problem can be about. */
export type ClientField = 'type' | 'client_id' | 'name' | 'redirect_uris' | 'post_logout_redirect_uris' | 'backchannel_logout_uri';

export type ClientProblem =
  | { code: 'type_unknown'; field: 'type' }
  | { code: 'id_format'; field: 'client_id' }
  | { code: 'name_length'; field: 'name' }
  | { code: 'service_redirects'; field: 'redirect_uris' }
  | { code: 'redirect_required'; field: 'redirect_uris' }
  | { code: 'too_many_uris'; field: 'redirect_uris' | 'post_logout_redirect_uris'; max: number }
  | { code: 'uri'; field: 'redirect_uris' | 'post_logout_redirect_uris' | 'backchannel_logout_uri'; uri: string; issue: UriIssue };

/** The fields checked; absent ones are not. */
export interface ClientFields {
  name?: string | undefined;
  redirectUris?: string[] | undefined;
  postLogoutRedirectUris?: string[] | undefined;
  backchannelLogoutUri?: string | null | undefined;
}

export const MAX_URIS = 50;

function uriProblems(field: 'redirect_uris' | 'post_logout_redirect_uris' | 'backchannel_logout_uri', uris: string[], type: ClientType): ClientProblem[] {
  const out: ClientProblem[] = [];
  for (const uri of uris) {
    const issue = redirectUriIssue(uri, type);
    if (issue) out.push({ code: 'uri', field, uri, issue });
  }
  return out;
}

/** Every problem with the fields of a client of this type. */
export function fieldProblems(type: ClientType, u: ClientFields): ClientProblem[] {
  const p: ClientProblem[] = [];
  if (u.name !== undefined && (!u.name.trim() || u.name.length > 200)) p.push({ code: 'name_length', field: 'name' });
  if (u.redirectUris !== undefined) {
    if (type === 'service') {
      if (u.redirectUris.length) p.push({ code: 'service_redirects', field: 'redirect_uris' });
    } else if (!u.redirectUris.length) p.push({ code: 'redirect_required', field: 'redirect_uris' });
    if (u.redirectUris.length > MAX_URIS) p.push({ code: 'too_many_uris', field: 'redirect_uris', max: MAX_URIS });
    p.push(...uriProblems('redirect_uris', u.redirectUris, type));
  }
  if ((u.postLogoutRedirectUris?.length ?? 0) > MAX_URIS) p.push({ code: 'too_many_uris', field: 'post_logout_redirect_uris', max: MAX_URIS });
  p.push(...uriProblems('post_logout_redirect_uris', u.postLogoutRedirectUris ?? [], type));
  if (u.backchannelLogoutUri) p.push(...uriProblems('backchannel_logout_uri', [u.backchannelLogoutUri], 'web'));
  return p;
}

/** Every problem with a new client: its type, its chosen id, its fields. */
export function newClientFieldProblems(c: ClientFields & { type: ClientType; id?: string | undefined }): ClientProblem[] {
  const p: ClientProblem[] = [];
  if (!CLIENT_TYPES.includes(c.type)) p.push({ code: 'type_unknown', field: 'type' });
  if (c.id !== undefined && !/^[A-Za-z0-9._~-]{3,100}$/.test(c.id)) p.push({ code: 'id_format', field: 'client_id' });
  return [...p, ...fieldProblems(c.type, c)];
}

const URI_NAMES = { redirect_uris: 'redirect URI', post_logout_redirect_uris: 'post-logout redirect URI', backchannel_logout_uri: 'back-channel logout URI' } as const;

/**
 * A problem in the operator's words. `requiredName` names the redirect URIs when none is given:
 * "--redirect-uri" when registering (the CLI's option), "redirect URI" when updating.
 */
export function problemText(p: ClientProblem, type: ClientType, requiredName = 'redirect URI'): string {
  switch (p.code) {
    case 'type_unknown': return `type must be one of ${CLIENT_TYPES.join(', ')}`;
    case 'id_format': return 'client id must be 3 to 100 characters of A-Z a-z 0-9 . _ ~ -';
    case 'name_length': return 'name must be 1 to 200 characters';
    case 'service_redirects': return 'a service client has no redirect URIs';
    case 'redirect_required': return `at least one ${requiredName} is required`;
    case 'too_many_uris': return `at most ${p.max} ${URI_NAMES[p.field]}s`;
    case 'uri': return `${URI_NAMES[p.field]} ${p.uri} ${uriIssueText(p.issue, p.field === 'backchannel_logout_uri' ? 'web' : type)}`;
  }
}

/** Refused fields of an application: the operator's text as the message, the problems for a page to word. */
export class ClientInputError extends SsoError {
  constructor(readonly problems: ClientProblem[], message: string) {
    super('invalid_input', message, { field: problems[0]?.field });
  }
}
