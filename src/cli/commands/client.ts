/** `sso client ...`: the registered applications. */
import { Option, type Command } from 'commander';
import { CLIENT_TYPES, type ClientType } from '../../clients/types.js';
import { SsoError } from '../../domain/errors.js';
import type { CliContext } from '../context.js';
import { table } from '../table.js';
import { displayOf, displayOptions, touchesDisplay, type DisplayOptions } from './client-display.js';
import { registerSecretCommands } from './client-secret.js';
import { accessOptions, newPolicyOf, policyLine, registerShowCommand, touchesAccess, updatedPolicyOf, type AccessOptions } from './client-access.js';

interface AddOptions extends DisplayOptions, AccessOptions {
  name: string;
  redirectUri: string[];
  postLogoutRedirectUri: string[];
  backchannelLogoutUri?: string;
  type: ClientType;
  firstParty?: boolean;
  releaseGroupDns?: boolean;
  requireMfa?: boolean;
  id?: string;
  json?: boolean;
}

const repeatable = (v: string, acc: string[]) => [...acc, v];

interface UpdateOptions extends DisplayOptions, AccessOptions {
  name?: string;
  redirectUri: string[];
  postLogoutRedirectUri: string[];
  clearPostLogoutRedirectUris?: boolean;
  backchannelLogoutUri?: string;
  clearBackchannelLogoutUri?: boolean;
  firstParty?: boolean;
  releaseGroupDns?: boolean;
  requireMfa?: boolean;
  json?: boolean;
}

export function registerClientCommand(program: Command, ctx: CliContext): void {
  const client = program.command('client').description('registered applications');
  registerAddCommand(client, ctx);
  registerManageCommands(client, ctx);
  registerUpdateCommand(client, ctx);
  registerDeleteCommand(client, ctx);
  registerSecretCommands(client, ctx);
  registerShowCommand(client, ctx);
}

/** The options given -> the change; a usage error when they contradict each other or change nothing. */
function updateOf(o: UpdateOptions) {
  if (o.clearPostLogoutRedirectUris && o.postLogoutRedirectUri.length) throw new SsoError('invalid_input', '--post-logout-redirect-uri and --clear-post-logout-redirect-uris contradict each other');
  if (o.clearBackchannelLogoutUri && o.backchannelLogoutUri !== undefined) throw new SsoError('invalid_input', '--backchannel-logout-uri and --clear-backchannel-logout-uri contradict each other');
  const u = {
    ...(o.name !== undefined ? { name: o.name } : {}),
    ...(o.redirectUri.length ? { redirectUris: o.redirectUri } : {}),
    ...(o.postLogoutRedirectUri.length || o.clearPostLogoutRedirectUris ? { postLogoutRedirectUris: o.postLogoutRedirectUri } : {}),
    ...(o.backchannelLogoutUri !== undefined || o.clearBackchannelLogoutUri ? { backchannelLogoutUri: o.backchannelLogoutUri ?? null } : {}),
    ...(o.firstParty !== undefined ? { firstParty: o.firstParty } : {}),
    ...(o.releaseGroupDns !== undefined ? { releaseGroupDns: o.releaseGroupDns } : {}),
    ...(o.requireMfa !== undefined ? { requireMfa: o.requireMfa } : {}),
  };
  if (!Object.keys(u).length && !touchesDisplay(o) && !touchesAccess(o)) throw new SsoError('invalid_input', 'nothing to change: give --name, --redirect-uri, --post-logout-redirect-uri, --backchannel-logout-uri, --first-party or --no-first-party, --release-group-dns or --no-release-group-dns, --require-mfa or --no-require-mfa, --home-url, --description, --logo-file or --no-logo, --allow-group, --allow-department, --allow-organization or --allow-everyone (or a --clear-... option)');
  return u;
}

function registerUpdateCommand(client: Command, ctx: CliContext): void {
  accessOptions(displayOptions(client.command('update <client_id>'), true), true)
    .description('change an application: its name, redirect URIs, logout URIs, first-party flag (a list given replaces the whole list)')
    .option('--name <name>', 'application name shown to people')
    .option('--redirect-uri <uri>', 'redirect URI, exact match (repeatable; replaces them all)', repeatable, [] as string[])
    .option('--post-logout-redirect-uri <uri>', 'where to send people after logout (repeatable; replaces them all)', repeatable, [] as string[])
    .option('--clear-post-logout-redirect-uris', 'remove every post-logout redirect URI')
    .option('--backchannel-logout-uri <uri>', 'receives logout tokens when a session ends')
    .option('--clear-backchannel-logout-uri', 'stop sending it logout tokens')
    .option('--first-party', 'a provincial application: skip the consent page')
    .option('--no-first-party', 'ask for consent again')
    .option('--release-group-dns', "release the groups' DNs (claim groups_dn, scope groups)")
    .option('--no-release-group-dns', "stop releasing the groups' DNs")
    .option('--require-mfa', 'everyone signing in to it gives a second factor')
    .option('--no-require-mfa', 'a second factor only for those who must use one')
    .option('--json', 'print the application as it now is, as one JSON object')
    .action(async (id: string, o: UpdateOptions) => {
      const change = { ...updateOf(o), ...(await displayOf(o)) };
      const s = await ctx.open();
      const accessPolicy = touchesAccess(o) ? updatedPolicyOf(o, (await s.clients.get(id)).access_policy) : undefined;
      const view = await s.clients.update(id, { ...change, ...(accessPolicy ? { accessPolicy } : {}) });
      if (o.json) ctx.io.out(JSON.stringify(view));
      else ctx.io.out(`updated ${view.client_id}: ${view.name}; redirect URIs ${view.redirect_uris.join(' ') || '(none)'}; post-logout ${view.post_logout_redirect_uris.join(' ') || '(none)'}; back-channel logout ${view.backchannel_logout_uri ?? '(none)'}; ${view.first_party ? 'first party (no consent page)' : 'asks for consent'}; release_group_dns ${view.release_group_dns}; home URL ${view.home_url ?? '(none)'}; logo ${view.logo_url ? 'yes' : '(none)'}; access: ${policyLine(view.access_policy)}`);
    });
}

function registerDeleteCommand(client: Command, ctx: CliContext): void {
  client.command('delete <client_id>')
    .description('delete an application for good, revoking its tokens, codes and grants (sso client disable keeps it)')
    .option('--json', 'machine-readable output')
    .action(async (id: string, o: { json?: boolean }) => {
      const s = await ctx.open();
      const r = await s.clients.remove(id);
      if (o.json) ctx.io.out(JSON.stringify({ client_id: r.client.client_id, name: r.client.name, revoked: r.revoked }));
      else ctx.io.out(`deleted ${r.client.client_id} (${r.client.name}); revoked ${r.revoked} tokens, codes, grants and session entries`);
    });
}

function registerAddCommand(client: Command, ctx: CliContext): void {
  const { io } = ctx;
  accessOptions(displayOptions(client.command('add'), false), false)
    .description('register an application; prints its client_id and, for web and service clients, a secret shown only once')
    .requiredOption('--name <name>', 'application name shown to people')
    .option('--redirect-uri <uri>', 'redirect URI, exact match (repeatable)', repeatable, [] as string[])
    .option('--post-logout-redirect-uri <uri>', 'where to send people after logout (repeatable)', repeatable, [] as string[])
    .option('--backchannel-logout-uri <uri>', 'receives logout tokens when a session ends')
    .addOption(new Option('--type <type>', 'web (server-side, has a secret), spa, native (public, PKCE), service (client_credentials)').choices([...CLIENT_TYPES]).default('web'))
    .option('--first-party', 'a provincial application: skip the consent page')
    .option('--release-group-dns', "also release the groups' DNs (claim groups_dn, scope groups); every application gets their names (groups)")
    .option('--require-mfa', 'everyone signing in to it gives a second factor (the ID token says acr urn:sso:acr:mfa)')
    .option('--id <client_id>', 'choose the client_id (default: random)')
    .option('--json', 'print exactly one JSON object with client_id and client_secret')
    .action(async (o: AddOptions) => {
      const display = await displayOf(o);
      const s = await ctx.open();
      const r = await s.clients.add({
        id: o.id,
        name: o.name,
        type: o.type,
        redirectUris: o.redirectUri,
        postLogoutRedirectUris: o.postLogoutRedirectUri,
        backchannelLogoutUri: o.backchannelLogoutUri,
        firstParty: !!o.firstParty,
        releaseGroupDns: !!o.releaseGroupDns,
        requireMfa: !!o.requireMfa,
        ...display,
        accessPolicy: newPolicyOf(o),
      });
      if (o.json) io.out(JSON.stringify({ client_id: r.client.client_id, client_secret: r.clientSecret, type: r.client.type }));
      else {
        io.out(`client_id:     ${r.client.client_id}`);
        if (r.clientSecret) io.out(`client_secret: ${r.clientSecret}\n(shown once: store it now; only a hash is kept)`);
        else io.out('public client: no secret; it must use PKCE (S256)');
      }
    });
}

function registerManageCommands(client: Command, ctx: CliContext): void {
  const { io } = ctx;
  client.command('list').option('--json', 'machine-readable output').description('list applications').action(async (o: { json?: boolean }) => {
    const s = await ctx.open();
    const rows = await s.clients.list();
    io.out(o.json ? JSON.stringify(rows) : table(rows.map((c) => ({ ...c, redirect_uris: c.redirect_uris.join(' '), access: policyLine(c.access_policy) })), ['client_id', 'name', 'type', 'status', 'first_party', 'redirect_uris', 'access']));
  });
  client.command('disable <client_id>').description('disable an application and revoke its tokens').action(async (id: string) => {
    const s = await ctx.open();
    await s.clients.setStatus(id, 'disabled');
    io.out(`disabled ${id}`);
  });
  client.command('enable <client_id>').description('enable an application').action(async (id: string) => {
    const s = await ctx.open();
    await s.clients.setStatus(id, 'active');
    io.out(`enabled ${id}`);
  });
}
