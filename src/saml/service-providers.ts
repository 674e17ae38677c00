/**
 * Registering SAML service providers (`sso saml add|list|update|disable|delete`): the SP's
 * metadata read once (metadata.ts), its NameID format and released attributes, and a linked
 * client row (`saml-<id>`): the internal OpenID Connect client through which its logins run, so
 * that the access policy (`--allow-group`), the launcher's home URL and the sessions' list are
 * the clients' own. The linked client's secret is derived from KEY_ENCRYPTION_SECRET (every
 * instance agrees, nothing to keep).
 */
import { hkdfSync } from 'node:crypto';
import { SsoError } from '../domain/errors.js';
import { REGISTERED_NAMEID_KINDS, type NameIdKind, type SamlAttributeName } from '../domain/saml.js';
import type { SamlRepository, SamlSpRow } from '../db/repos/saml.js';
import type { AuditRecorder } from '../audit/log.js';
import type { ClientService, InternalClient } from '../clients/service.js';
import { parseSpMetadata, SAML_PATHS, type AcsEndpoint, type SloEndpoint } from './metadata.js';
import { XmlRefused } from './xml.js';

export const samlClientId = (spId: string): string => `saml-${spId}`;

/** The linked client's secret: 256 bits from KEY_ENCRYPTION_SECRET under a label of its own. Pure. */
export function samlClientSecret(keyEncryptionSecret: string, clientId: string): string {
  return Buffer.from(hkdfSync('sha256', Buffer.from(keyEncryptionSecret, 'utf8'), Buffer.alloc(0), `sso-saml client secret v1 ${clientId}`, 32)).toString('base64url');
}

export function samlInternalClient(issuer: string, keyEncryptionSecret: string, sp: Pick<SamlSpRow, 'clientId' | 'name'>): InternalClient {
  return { id: sp.clientId, name: sp.name, redirectUris: [`${issuer}${SAML_PATHS.callback}`], postLogoutRedirectUris: [], secret: samlClientSecret(keyEncryptionSecret, sp.clientId) };
}

export interface SpInput {
  metadataXml?: string | undefined;
  /** Fetched now and on `refresh` (instead of metadataXml). */
  metadataUrl?: string | undefined;
  nameId?: NameIdKind | undefined;
  attributes?: SamlAttributeName[] | undefined;
  signResponse?: boolean | undefined;
  idpInitiated?: boolean | undefined;
  name?: string | undefined;
  homeUrl?: string | undefined;
  allowGroups?: string[] | undefined;
}

export interface SpView {
  id: string;
  entity_id: string;
  name: string;
  client_id: string;
  status: string;
  nameid: string;
  attributes: string[];
  sign_response: boolean;
  idp_initiated: boolean;
  metadata_url: string | null;
  want_signed_requests: boolean;
  acs_urls: string[];
  slo: { binding: string; url: string }[];
  encrypts: boolean;
}

export function spView(r: SamlSpRow): SpView {
  return {
    id: r.id,
    entity_id: r.entityId,
    name: r.name,
    client_id: r.clientId,
    status: r.status,
    nameid: r.nameIdFormat,
    attributes: JSON.parse(r.attributes) as string[],
    sign_response: r.signResponse,
    idp_initiated: r.idpInitiated,
    metadata_url: r.metadataUrl,
    want_signed_requests: r.wantSignedRequests,
    acs_urls: (JSON.parse(r.acsUrls) as AcsEndpoint[]).map((a) => a.url),
    slo: (JSON.parse(r.sloUrls) as SloEndpoint[]).map((e) => ({ binding: e.binding.split(':').pop()!, url: e.url })),
    encrypts: (JSON.parse(r.encryptionCerts) as string[]).length > 0,
  };
}

function readMetadata(xml: string) {
  try {
    return parseSpMetadata(xml);
  } catch (err) {
    const message = err instanceof XmlRefused ? `metadata refused: ${err.message}` : (err as Error).message;
    throw new SsoError('invalid_input', message, { field: 'metadata' });
  }
}

function metadataColumns(xml: string) {
  const md = readMetadata(xml);
  return {
    entityId: md.entityId,
    metadataXml: xml,
    acsUrls: JSON.stringify(md.acs),
    signingCerts: JSON.stringify(md.signingCerts),
    encryptionCerts: JSON.stringify(md.encryptionCerts),
    encryptionMethod: md.encryptionMethod,
    wantSignedRequests: md.authnRequestsSigned,
    sloUrls: JSON.stringify(md.slo),
  };
}

function checkNameId(n: string | undefined): void {
  if (n !== undefined && !(REGISTERED_NAMEID_KINDS as readonly string[]).includes(n)) throw new SsoError('invalid_input', `--nameid must be one of ${REGISTERED_NAMEID_KINDS.join(', ')}`, { field: 'nameid' });
}

export interface SamlRegistryDeps {
  repo: SamlRepository;
  clients: Pick<ClientService, 'ensureInternal' | 'update' | 'setStatus' | 'remove'>;
  issuer: string;
  keyEncryptionSecret: string;
  audit?: AuditRecorder | undefined;
  /** Reads metadata from a URL (metadata-url.ts). */
  fetchMetadata?: ((url: string) => Promise<string>) | undefined;
}

/** The metadata given, or fetched from the URL given: the columns to store. */
async function metadataOf(deps: SamlRegistryDeps, input: SpInput) {
  if (input.metadataUrl === undefined) return input.metadataXml !== undefined ? { ...metadataColumns(input.metadataXml), metadataUrl: null } : undefined;
  if (!deps.fetchMetadata) throw new SsoError('invalid_input', '--metadata-url is not available here', { field: 'metadata-url' });
  return { ...metadataColumns(await deps.fetchMetadata(input.metadataUrl)), metadataUrl: input.metadataUrl };
}

/** The linked client as it must be, with the home URL and access policy given. */
async function linkClient(deps: SamlRegistryDeps, r: SamlSpRow, input: SpInput) {
  await deps.clients.ensureInternal(samlInternalClient(deps.issuer, deps.keyEncryptionSecret, r));
  const policy = input.allowGroups ? { accessPolicy: { groups: input.allowGroups, departments: [], organizations: [] } } : {};
  if (input.homeUrl !== undefined || input.allowGroups) await deps.clients.update(r.clientId, { ...(input.homeUrl !== undefined ? { homeUrl: input.homeUrl || null } : {}), ...policy } as Parameters<ClientService['update']>[1]);
}

export function createSamlRegistry(deps: SamlRegistryDeps) {
  const { repo, audit } = deps;
  const mustFind = async (id: string) => {
    const r = await repo.byId(id);
    if (!r) throw new SsoError('not_found', `no SAML service provider "${id}"`);
    return r;
  };
  return {
    list: async (): Promise<SpView[]> => (await repo.list()).map(spView),
    show: async (id: string): Promise<SpView> => spView(await mustFind(id)),

    async add(id: string, input: SpInput): Promise<SpView> {
      if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(id)) throw new SsoError('invalid_input', 'the id is 1-63 lowercase letters, digits and hyphens', { field: 'id' });
      checkNameId(input.nameId);
      const cols = await metadataOf(deps, input);
      if (!cols) throw new SsoError('invalid_input', 'give --metadata FILE or --metadata-url URL', { field: 'metadata' });
      const fields = { ...cols, name: (input.name ?? cols.entityId).trim().slice(0, 200), clientId: samlClientId(id), nameIdFormat: input.nameId ?? 'persistent', attributes: JSON.stringify(input.attributes ?? []), signResponse: input.signResponse ?? false, idpInitiated: input.idpInitiated ?? false, status: 'active' };
      if (!(await repo.create(id, fields))) throw new SsoError('exists', `a SAML service provider "${id}" or with entity ID ${cols.entityId} exists`);
      const row = await mustFind(id);
      await linkClient(deps, row, input);
      await audit?.record({ type: 'saml.sp_created', outcome: 'success', clientId: row.clientId, detail: { id, entity_id: row.entityId, name: row.name, nameid: row.nameIdFormat, attributes: input.attributes ?? [], sign_response: row.signResponse } });
      return spView(row);
    },

    async update(id: string, input: SpInput): Promise<SpView> {
      const before = await mustFind(id);
      checkNameId(input.nameId);
      const data = {
        ...((await metadataOf(deps, input)) ?? {}),
        ...(input.name !== undefined ? { name: input.name.trim().slice(0, 200) } : {}),
        ...(input.nameId !== undefined ? { nameIdFormat: input.nameId } : {}),
        ...(input.attributes !== undefined ? { attributes: JSON.stringify(input.attributes) } : {}),
        ...(input.signResponse !== undefined ? { signResponse: input.signResponse } : {}),
        ...(input.idpInitiated !== undefined ? { idpInitiated: input.idpInitiated } : {}),
      };
      if (Object.keys(data).length) await repo.update(id, data);
      const row = await mustFind(id);
      await linkClient(deps, row, input);
      if (row.status !== 'active') await deps.clients.setStatus(row.clientId, 'disabled');
      await audit?.record({ type: 'saml.sp_updated', outcome: 'success', clientId: row.clientId, detail: { id, entity_id: before.entityId, changed: Object.keys({ ...data, ...(input.homeUrl !== undefined ? { homeUrl: 1 } : {}), ...(input.allowGroups ? { allowGroups: 1 } : {}) }) } });
      return spView(row);
    },

    /** Reads the metadata again from its URL. */
    async refresh(id: string): Promise<SpView> {
      const before = await mustFind(id);
      if (!before.metadataUrl) throw new SsoError('invalid_input', `"${id}" was registered from a file: use sso saml update ${id} --metadata FILE`, { field: 'metadata-url' });
      const cols = await metadataOf(deps, { metadataUrl: before.metadataUrl });
      if (cols!.entityId !== before.entityId) throw new SsoError('invalid_input', `the metadata at ${before.metadataUrl} now names another entity ID: ${cols!.entityId}`, { field: 'metadata-url' });
      await repo.update(id, cols!);
      const row = await mustFind(id);
      await audit?.record({ type: 'saml.sp_updated', outcome: 'success', clientId: row.clientId, detail: { id, entity_id: row.entityId, changed: ['metadata'], refreshed_from: before.metadataUrl } });
      return spView(row);
    },

    async setStatus(id: string, status: 'active' | 'disabled'): Promise<SpView> {
      const before = await mustFind(id);
      await repo.update(id, { status });
      await deps.clients.setStatus(before.clientId, status);
      await audit?.record({ type: 'saml.sp_status_changed', outcome: status, clientId: before.clientId, detail: { id, entity_id: before.entityId, from: before.status, to: status } });
      return spView(await mustFind(id));
    },

    async remove(id: string): Promise<void> {
      const before = await mustFind(id);
      await repo.remove(id);
      await deps.clients.remove(before.clientId).catch((err: unknown) => {
        if (!(err instanceof SsoError && err.code === 'not_found')) throw err;
      });
      await audit?.record({ type: 'saml.sp_deleted', outcome: 'success', clientId: before.clientId, detail: { id, entity_id: before.entityId } });
    },

    /** At start: every active SP's linked client as it must be (the callback on this ISSUER, the derived secret). */
    async ensureClients(): Promise<void> {
      for (const r of await repo.list()) if (r.status === 'active') await deps.clients.ensureInternal(samlInternalClient(deps.issuer, deps.keyEncryptionSecret, r));
    },
  };
}

export type SamlRegistry = ReturnType<typeof createSamlRegistry>;
