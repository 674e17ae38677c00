/** `sso client ...`: the registered applications. */
import { Option, type Command } from 'commander';
import { CLIENT_TYPES, type ClientType } from '../../clients/types.js';
import { SsoError } from '../../domain/errors.js';
import type { CliContext } from '../context.js';
import { table } from '../table.js';

interface AddOptions {
  name: string;
  redirectUri: string[];
  postLogoutRedirectUri: string[];
  backchannelLogoutUri?: string;
  type: ClientType;
  firstParty?: boolean;
  releaseGroupDns?: boolean;
  id?: string;
  json?: boolean;
}

const repeatable = (v: string, acc: string[]) => [...acc, v];

export function registerClientCommand(program: Command, ctx: CliContext): void {
  const client = program.command('client').description('registered applications');
  registerAddCommand(client, ctx);
  registerUpdateCommand(client, ctx);
  registerManageCommands(client, ctx);
}

function registerUpdateCommand(client: Command, ctx: CliContext): void {
  const { io } = ctx;
  client.command('update <client_id>')
    .description("change an application's settings")
    .option('--release-group-dns', "release the groups' DNs (claim groups_dn, scope groups)")
    .option('--no-release-group-dns', "stop releasing the groups' DNs")
    .option('--json', 'print the application as one JSON object')
    .action(async (id: string, o: { releaseGroupDns?: boolean; json?: boolean }) => {
      if (o.releaseGroupDns === undefined) throw new SsoError('invalid_input', 'nothing to change: give --release-group-dns or --no-release-group-dns');
      const s = await ctx.open();
      const v = await s.clients.update(id, { releaseGroupDns: o.releaseGroupDns });
      io.out(o.json ? JSON.stringify(v) : `updated ${v.client_id}: release_group_dns ${v.release_group_dns}`);
    });
}

function registerAddCommand(client: Command, ctx: CliContext): void {
  const { io } = ctx;
  client.command('add')
    .description('register an application; prints its client_id and, for web and service clients, a secret shown only once')
    .requiredOption('--name <name>', 'application name shown to people')
    .option('--redirect-uri <uri>', 'redirect URI, exact match (repeatable)', repeatable, [] as string[])
    .option('--post-logout-redirect-uri <uri>', 'where to send people after logout (repeatable)', repeatable, [] as string[])
    .option('--backchannel-logout-uri <uri>', 'receives logout tokens when a session ends')
    .addOption(new Option('--type <type>', 'web (server-side, has a secret), spa, native (public, PKCE), service (client_credentials)').choices([...CLIENT_TYPES]).default('web'))
    .option('--first-party', 'a provincial application: skip the consent page')
    .option('--release-group-dns', "also release the groups' DNs (claim groups_dn, scope groups); every application gets their names (groups)")
    .option('--id <client_id>', 'choose the client_id (default: random)')
    .option('--json', 'print exactly one JSON object with client_id and client_secret')
    .action(async (o: AddOptions) => {
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
    io.out(o.json ? JSON.stringify(rows) : table(rows.map((c) => ({ ...c, redirect_uris: c.redirect_uris.join(' ') })), ['client_id', 'name', 'type', 'status', 'first_party', 'redirect_uris']));
  });
  client.command('rotate-secret <client_id>').option('--json', 'machine-readable output').description('replace the secret (the old one stops working at once)').action(async (id: string, o: { json?: boolean }) => {
    const s = await ctx.open();
    const secret = await s.clients.rotateSecret(id);
    io.out(o.json ? JSON.stringify({ client_id: id, client_secret: secret }) : `client_secret: ${secret}\n(shown once)`);
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
