/**
 * `sso saml add|list|show|update|disable|enable|delete`: the SAML service providers (src/saml/).
 * An SP is registered from its metadata file; its logins run through a linked client
 * (`saml-<id>`), whose access policy `--allow-group` sets (and `sso client update saml-<id>`
 * changes like any other).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { SsoError } from '../../domain/errors.js';
import { parseAttributeList, REGISTERED_NAMEID_KINDS, type NameIdKind } from '../../domain/saml.js';
import type { SpInput, SpView } from '../../saml/service-providers.js';
import type { CliContext } from '../context.js';
import { table } from '../table.js';

interface SpOptions {
  metadata?: string;
  metadataUrl?: string;
  nameid?: string;
  attributes?: string;
  signResponse?: boolean;
  idpInitiated?: boolean;
  name?: string;
  homeUrl?: string;
  allowGroup: string[];
  json?: boolean;
}

const repeatable = (v: string, all: string[]) => [...all, v];

function input(o: SpOptions): SpInput {
  let attributes;
  try {
    attributes = o.attributes !== undefined ? parseAttributeList(o.attributes) : undefined;
  } catch (err) {
    throw new SsoError('invalid_input', `--attributes: ${(err as Error).message}`, { field: 'attributes' });
  }
  let metadataXml;
  if (o.metadata !== undefined) {
    try {
      metadataXml = readFileSync(o.metadata, 'utf8');
    } catch {
      throw new SsoError('invalid_input', `--metadata: cannot read ${o.metadata}`, { field: 'metadata' });
    }
  }
  return { metadataXml, metadataUrl: o.metadataUrl, nameId: o.nameid as NameIdKind | undefined, attributes, signResponse: o.signResponse, idpInitiated: o.idpInitiated, name: o.name, homeUrl: o.homeUrl, allowGroups: o.allowGroup.length ? o.allowGroup : undefined };
}

function print(ctx: CliContext, v: SpView, json?: boolean): void {
  if (json) ctx.io.out(JSON.stringify(v));
  else ctx.io.out(table([v].map(row), COLUMNS));
}

const COLUMNS = ['id', 'entity_id', 'name', 'status', 'nameid', 'attributes', 'sign_response', 'acs'];
const row = (v: SpView) => ({ id: v.id, entity_id: v.entity_id, name: v.name, status: v.status, nameid: v.nameid, attributes: v.attributes.join(','), sign_response: v.sign_response ? 'yes' : 'no', acs: v.acs_urls.join(' ') });

function options(cmd: Command): Command {
  return cmd
    .option('--nameid <kind>', `NameID format: ${REGISTERED_NAMEID_KINDS.join('|')} (default persistent: pairwise, stable, never the login)`)
    .option('--attributes <list>', 'attributes released, comma-separated: mail,displayName,givenName,sn,telephoneNumber,ou,o,title,employeeNumber,groups')
    .option('--sign-response', 'sign the Response as well as the assertion')
    .option('--idp-initiated', 'let sign-in start at the IdP (the launcher tile sends an unsolicited Response)')
    .option('--no-idp-initiated', 'sign-in starts only at the application (the default)')
    .option('--name <name>', 'the name people see')
    .option('--home-url <url>', "the application's start page (the app launcher)")
    .option('--allow-group <dn>', 'admit only the members of this directory group, by DN (repeatable)', repeatable, [] as string[])
    .option('--json', 'machine-readable output');
}

export function registerSamlCommand(program: Command, ctx: CliContext): void {
  const saml = program.command('saml').description('SAML 2.0 service providers (this IdP at ISSUER/saml/metadata)');
  options(saml.command('add <id>').description('register a service provider from its metadata').option('--metadata <file>', "the SP's metadata XML").option('--metadata-url <url>', "the SP's metadata URL (https; read again by sso saml refresh)")).action(async (id: string, o: SpOptions) => {
    const s = await ctx.open();
    const v = await s.saml.registry.add(id, input(o));
    print(ctx, v, o.json);
  });
  saml.command('list').option('--json', 'machine-readable output').description('list the service providers').action(async (o: { json?: boolean }) => {
    const s = await ctx.open();
    const all = await s.saml.registry.list();
    ctx.io.out(o.json ? JSON.stringify(all) : table(all.map(row), COLUMNS));
  });
  saml.command('show <id>').option('--json', 'machine-readable output').description('show one service provider').action(async (id: string, o: { json?: boolean }) => {
    print(ctx, await (await ctx.open()).saml.registry.show(id), o.json);
  });
  options(saml.command('update <id>').description('change a service provider (--metadata FILE reads its metadata again)').option('--metadata <file>', "the SP's metadata XML").option('--metadata-url <url>', "the SP's metadata URL (https)")).action(async (id: string, o: SpOptions) => {
    print(ctx, await (await ctx.open()).saml.registry.update(id, input(o)), o.json);
  });
  saml.command('refresh <id>').option('--json', 'machine-readable output').description('read the metadata again from its --metadata-url').action(async (id: string, o: { json?: boolean }) => {
    print(ctx, await (await ctx.open()).saml.registry.refresh(id), o.json);
  });
  for (const [verb, status] of [['disable', 'disabled'], ['enable', 'active']] as const) {
    saml.command(`${verb} <id>`).description(`${verb} a service provider`).action(async (id: string) => {
      const v = await (await ctx.open()).saml.registry.setStatus(id, status);
      ctx.io.out(`${v.id}: ${v.status}`);
    });
  }
  saml.command('delete <id>').description('delete a service provider and its linked client').action(async (id: string) => {
    await (await ctx.open()).saml.registry.remove(id);
    ctx.io.out(`${id}: deleted`);
  });
}
