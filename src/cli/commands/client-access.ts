/**
 * Who may use an application, on the command line: `sso client add|update` with repeatable
 * --allow-group DN, --allow-department NAME, --allow-organization NAME (on update each list given
 * replaces that list; --allow-everyone empties all three), and `sso client show`, which prints
 * the application with its policy.
 */
import type { Command } from 'commander';
import { SsoError } from '../../domain/errors.js';
import { isOpenPolicy, type AccessPolicy } from '../../domain/access-policy.js';
import type { ClientView } from '../../clients/service.js';
import type { CliContext } from '../context.js';

export interface AccessOptions {
  allowGroup: string[];
  allowDepartment: string[];
  allowOrganization: string[];
  /** update only: empty every list. */
  allowEveryone?: boolean;
}

const repeatable = (v: string, acc: string[]) => [...acc, v];

/** Adds the options to `add` or `update`. */
export function accessOptions(cmd: Command, update: boolean): Command {
  const replaces = update ? '; replaces that list' : '';
  cmd
    .option('--allow-group <dn>', `admit the members of this directory group, by DN (repeatable${replaces})`, repeatable, [] as string[])
    .option('--allow-department <name>', `admit the people of this department (repeatable${replaces})`, repeatable, [] as string[])
    .option('--allow-organization <name>', `admit the people of this organisation (repeatable${replaces}); with no --allow-* option everyone is admitted`, repeatable, [] as string[]);
  if (update) cmd.option('--allow-everyone', 'remove every --allow-* entry: everyone may use it');
  return cmd;
}

/** Does the change touch the policy? */
export const touchesAccess = (o: AccessOptions): boolean => Boolean(o.allowEveryone) || o.allowGroup.length > 0 || o.allowDepartment.length > 0 || o.allowOrganization.length > 0;

/** The policy of a new application (absent: everyone). */
export function newPolicyOf(o: AccessOptions): AccessPolicy | undefined {
  return touchesAccess(o) ? { groups: o.allowGroup, departments: o.allowDepartment, organizations: o.allowOrganization } : undefined;
}

/** The policy after an update: each list given replaces that list of `current`; --allow-everyone empties them. */
export function updatedPolicyOf(o: AccessOptions, current: AccessPolicy): AccessPolicy | undefined {
  if (!touchesAccess(o)) return undefined;
  if (o.allowEveryone) {
    if (o.allowGroup.length || o.allowDepartment.length || o.allowOrganization.length) throw new SsoError('invalid_input', '--allow-everyone and --allow-group/--allow-department/--allow-organization contradict each other');
    return { groups: [], departments: [], organizations: [] };
  }
  return {
    groups: o.allowGroup.length ? o.allowGroup : current.groups,
    departments: o.allowDepartment.length ? o.allowDepartment : current.departments,
    organizations: o.allowOrganization.length ? o.allowOrganization : current.organizations,
  };
}

/** One line: who may use it. */
export function policyLine(p: AccessPolicy): string {
  if (isOpenPolicy(p)) return 'everyone';
  const part = (label: string, list: string[]) => (list.length ? [`${label} ${list.map((v) => JSON.stringify(v)).join(', ')}`] : []);
  return [...part('groups', p.groups), ...part('departments', p.departments), ...part('organizations', p.organizations)].join('; ');
}

/** `sso client show <client_id>`. */
export function registerShowCommand(client: Command, ctx: CliContext): void {
  client.command('show <client_id>')
    .description('print an application: its fields and who may use it')
    .option('--json', 'print it as one JSON object')
    .action(async (id: string, o: { json?: boolean }) => {
      const s = await ctx.open();
      const v: ClientView = await s.clients.get(id);
      if (o.json) {
        ctx.io.out(JSON.stringify(v));
        return;
      }
      const lines: [string, string][] = [
        ['client_id', v.client_id], ['name', v.name], ['type', v.type], ['status', v.status], ['first_party', String(v.first_party)],
        ['redirect_uris', v.redirect_uris.join(' ') || '(none)'], ['post_logout_redirect_uris', v.post_logout_redirect_uris.join(' ') || '(none)'],
        ['backchannel_logout_uri', v.backchannel_logout_uri ?? '(none)'], ['release_group_dns', String(v.release_group_dns)],
        ['home_url', v.home_url ?? '(none)'], ['access', policyLine(v.access_policy)],
        ...v.access_policy.groups.map((g): [string, string] => ['allow_group', g]),
        ...v.access_policy.departments.map((d): [string, string] => ['allow_department', d]),
        ...v.access_policy.organizations.map((g): [string, string] => ['allow_organization', g]),
      ];
      for (const [k, val] of lines) ctx.io.out(`${k.padEnd(26)} ${val}`);
    });
}
