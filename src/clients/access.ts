/**
 * An application's access policy as the client service stores, shows and checks it (the decision
 * itself: domain/access-policy.ts). Pure.
 */
import { z } from 'zod';
import { SsoError } from '../domain/errors.js';
import { cleanPolicy, parseStoredList, policyProblems, policyProblemText, POLICY_LIMITS, type AccessPolicy, type PolicyProblem } from '../domain/access-policy.js';

/** The stored columns of a policy (JSON arrays), as a row has them; absent: an open policy. */
export interface PolicyColumns {
  allowGroups?: string | undefined;
  allowDepartments?: string | undefined;
  allowOrganizations?: string | undefined;
}

/** A row's policy. */
export function policyOf(row: PolicyColumns): AccessPolicy {
  return {
    groups: parseStoredList(row.allowGroups),
    departments: parseStoredList(row.allowDepartments),
    organizations: parseStoredList(row.allowOrganizations),
  };
}

/** A policy as the columns store it. */
export function policyColumns(p: AccessPolicy): Required<PolicyColumns> {
  return { allowGroups: JSON.stringify(p.groups), allowDepartments: JSON.stringify(p.departments), allowOrganizations: JSON.stringify(p.organizations) };
}

/** Bounded input, before the checks of the domain (every value a string of bounded length, bounded counts). */
const list = (max: number) => z.array(z.string().max(max)).max(POLICY_LIMITS.entries);
export const accessPolicyInput = z.object({
  groups: list(POLICY_LIMITS.dn),
  departments: list(POLICY_LIMITS.name),
  organizations: list(POLICY_LIMITS.name),
}).strict();

/** A refused policy: the problems for a page to word, the CLI's text as the message. */
export class AccessPolicyError extends SsoError {
  constructor(readonly problems: PolicyProblem[]) {
    super('invalid_input', problems.map(policyProblemText).join('; '), { field: `access_${problems[0]?.field ?? 'groups'}` });
  }
}

/** The policy cleaned for storage (values trimmed, duplicates dropped); throws AccessPolicyError when it cannot be stored. */
export function checkedPolicy(input: AccessPolicy): AccessPolicy {
  const problems = policyProblems(input);
  if (problems.length) throw new AccessPolicyError(problems);
  // the shape, for callers that built it from untyped input
  if (!accessPolicyInput.safeParse(input).success) throw new SsoError('invalid_input', 'access policy: lists of text expected');
  return cleanPolicy(input);
}
