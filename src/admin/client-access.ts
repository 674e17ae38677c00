/**
 * Who may use an application, in the console's application form: three text boxes, one value a
 * line (groups by DN, departments, organisations; all empty: everyone), and a refused policy
 * worded in the page's language, naming its box.
 */
import { SsoError } from '../domain/errors.js';
import { POLICY_LIMITS, type AccessPolicy, type PolicyProblem } from '../domain/access-policy.js';
import { AccessPolicyError } from '../clients/access.js';
import type { Translator } from '../web/i18n/index.js';
import { lines, text } from '../web/forms.js';
import { typed } from './form-errors.js';

/** The form's boxes (bounded: the console's body limit is 32 KiB; at most 50 values each, checked by the domain). */
export const accessFields = {
  access_groups: text(30_000).transform(lines),
  access_departments: text(12_000).transform(lines),
  access_organizations: text(12_000).transform(lines),
};

/** The services' input: the whole policy (the form always shows all three lists). */
export function accessInput(form: { access_groups: string[]; access_departments: string[]; access_organizations: string[] }): { accessPolicy: AccessPolicy } {
  return { accessPolicy: { groups: form.access_groups, departments: form.access_departments, organizations: form.access_organizations } };
}

/** The box of each list. */
const BOX = { groups: 'access_groups', departments: 'access_departments', organizations: 'access_organizations' } as const;

/** One problem as a sentence of the page. */
function sentence(p: PolicyProblem, t: Translator): string {
  switch (p.kind) {
    case 'not_dn': return t('clients.error.access.groups.not_dn', { value: p.value });
    case 'too_many': return t('clients.error.access.too_many', { max: POLICY_LIMITS.entries });
    case 'too_long': return t('clients.error.access.too_long', { value: p.value });
    case 'control':
    case 'empty': return t('clients.error.access.control', { value: p.value });
  }
}

/** A refused policy worded for the console, naming its box; other errors pass unchanged. */
export function accessRefusal(err: unknown, t: Translator): unknown {
  if (!(err instanceof AccessPolicyError)) return err;
  const field = BOX[err.problems[0]?.field ?? 'groups'];
  const detail = err.problems.filter((p) => BOX[p.field] === field).map((p) => sentence(p, t)).join(' ');
  return new SsoError('invalid_input', err.message, { field, params: { detail } });
}

/** The policy of a refused form, as the form shows it again. */
export function typedAccess(body: unknown): { access_policy: AccessPolicy } {
  const list = (name: string) => typed(body, name).split(/\r?\n/);
  return { access_policy: { groups: list('access_groups'), departments: list('access_departments'), organizations: list('access_organizations') } };
}
