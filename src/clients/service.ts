/** Registered applications: add, list, edit, rotate the secret, disable. Used by the CLI and the console. */
import { randomBytes } from 'node:crypto';
import type { ClientRecord, ClientRepository } from '../db/repos/clients.js';
import { SsoError } from '../domain/errors.js';
import { ClientInputError, fieldProblems, newClientFieldProblems, problemText } from './problems.js';
import { generateClientSecret, hashClientSecret, verifyClientSecret } from './secret.js';
import { secretRotation } from './rotation.js';
import { isInternalClient, isPublicType, type ClientType } from './types.js';
import { parseUriList } from './metadata.js';
import type { AuditRecorder } from '../audit/log.js';
import type { ClientCache } from './cache.js';
import { checkDisplay, displayColumns, logoPath, logoRecord, type DisplayUpdate } from './display.js';
import { checkedPolicy, policyColumns, policyOf } from './access.js';
import type { AccessPolicy } from '../domain/access-policy.js';


export interface NewClient extends DisplayUpdate {
  name: string;
  type: ClientType;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  backchannelLogoutUri?: string | undefined;
  firstParty?: boolean;
  /** Release the groups' DNs (the groups_dn claim) to it. Default false. */
  releaseGroupDns?: boolean;
  /** Everyone signing in to it gives a second factor. Default false. */
  requireMfa?: boolean;
  /** Chosen id; generated when absent. */
  id?: string | undefined;
  /** Who may use it (domain/access-policy.ts); absent or empty: everyone. */
  accessPolicy?: AccessPolicy | undefined;
}

/** What an update may change; absent fields stay as they are. */
export interface ClientUpdate extends DisplayUpdate {
  name?: string | undefined;
  redirectUris?: string[] | undefined;
  postLogoutRedirectUris?: string[] | undefined;
  /** null removes it. */
  backchannelLogoutUri?: string | null | undefined;
  /** Release the groups' DNs (the groups_dn claim) to it, or stop. */
  releaseGroupDns?: boolean | undefined;
  /** Everyone signing in to it gives a second factor, or not. */
  requireMfa?: boolean | undefined;
  /** A provincial application: no consent page. */
  firstParty?: boolean | undefined;
  /** Who may use it, replacing the whole policy (all lists empty: everyone). */
  accessPolicy?: AccessPolicy | undefined;
}

/** The client the IdP keeps for itself (ensureInternal): its fields and its secret. */
export interface InternalClient {
  id: string;
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  secret: string;
}

export interface ClientView {
  client_id: string;
  name: string;
  type: ClientType;
  first_party: boolean;
  status: string;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  backchannel_logout_uri: string | null;
  /** The groups_dn claim (the groups' DNs) is released to it. */
  release_group_dns: boolean;
  /** Everyone signing in to it gives a second factor. */
  require_mfa?: boolean | undefined;
  /** The app launcher's link; null: not listed there. */
  home_url: string | null;
  description: string | null;
  /** Where its logo is served (with its version), or null. */
  logo_url: string | null;
  created_at: string;
  /** Until when the secret before the last rotation is (or was) accepted; null when none is kept. */
  overlap_until: string | null;
  /** Who may use it: groups (DNs), departments, organisations; all empty: everyone. */
  access_policy: AccessPolicy;
}

/**
 * A new client id: 128 random bits, base64url, never beginning with "-" or "_" (an id such as
 * "-nYvR..." reads as an option on the command line: \`sso client rotate-secret -nYvR...\`).
 */
export function newClientId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (/^[A-Za-z0-9]/.test(id)) return id;
  }
}

/** Every problem with a new client's fields, in the CLI's words. Pure. */
export function newClientProblems(c: NewClient): string[] {
  return newClientFieldProblems(c).map((p) => problemText(p, c.type, '--redirect-uri'));
}

/** Every problem with an update of a client of this type, in the operator's words. Pure. */
export function clientUpdateProblems(type: ClientType, u: ClientUpdate): string[] {
  return fieldProblems(type, u).map((p) => problemText(p, type));
}

export function clientView(r: ClientRecord): ClientView {
  return {
    client_id: r.id,
    name: r.name,
    type: r.type as ClientType,
    first_party: r.firstParty,
    status: r.status,
    redirect_uris: parseUriList(r.redirectUris),
    post_logout_redirect_uris: parseUriList(r.postLogoutRedirectUris),
    backchannel_logout_uri: r.backchannelLogoutUri,
    release_group_dns: r.releaseGroupDns,
    require_mfa: r.requireMfa === true,
    home_url: r.homeUrl,
    description: r.description,
    logo_url: logoPath(r.id, r.logoEtag),
    created_at: r.createdAt.toISOString(),
    overlap_until: r.previousSecretHash && r.previousSecretUntil ? r.previousSecretUntil.toISOString() : null,
    access_policy: policyOf(r),
  };
}

export interface ClientServiceDeps {
  /** Records client.created, client.secret_rotated, client.status_changed (never a secret). */
  audit?: AuditRecorder | undefined;
  /** The provider's client cache in this process: every call of the service drops it, so what a call changed is read afresh. */
  cache?: Pick<ClientCache, 'invalidate'> | undefined;
}

/** `service` with each method dropping the whole cache when it returns or fails (one choke point for every change, present and future). */
function droppingCache<T extends object>(service: T, cache: Pick<ClientCache, 'invalidate'>): T {
  const out = {} as Record<string, unknown>;
  for (const [name, fn] of Object.entries(service)) {
    out[name] = typeof fn !== 'function' ? fn : (...args: unknown[]) => {
      let r: unknown;
      try {
        r = (fn as (...a: unknown[]) => unknown)(...args);
      } catch (err) {
        cache.invalidate();
        throw err;
      }
      if (r instanceof Promise) return r.finally(() => cache.invalidate());
      cache.invalidate();
      return r;
    };
  }
  return out as T;
}

type Audit = AuditRecorder | undefined;

/** What the audit keeps of a new client (never its secret). Pure. */
function createdDetail(view: ClientView, logo: { contentType: string; data: Uint8Array } | null, confidential: boolean) {
  const { name, type, first_party, redirect_uris, post_logout_redirect_uris, backchannel_logout_uri, release_group_dns, require_mfa, home_url, description, access_policy } = view;
  return {
    name, type, first_party, redirect_uris, post_logout_redirect_uris, backchannel_logout_uri, release_group_dns, require_mfa, home_url, description, access_policy,
    logo: logo ? { type: logo.contentType, bytes: logo.data.length } : null,
    confidential,
  };
}

/** The fields an update changed, as the audit names them. Pure. */
function changedFields(old: ClientView, view: ClientView): string[] {
  return (['name', 'redirect_uris', 'post_logout_redirect_uris', 'backchannel_logout_uri', 'release_group_dns', 'require_mfa', 'first_party', 'home_url', 'description', 'logo_url', 'access_policy'] as const)
    .filter((k) => JSON.stringify(view[k]) !== JSON.stringify(old[k])).map((k) => (k === 'logo_url' ? 'logo' : k));
}

/** The checks every change of a client shares. */
function guards(repo: ClientRepository) {
  return {
    async mustFind(id: string): Promise<ClientRecord> {
      const r = await repo.byId(id);
      if (!r) throw new SsoError('not_found', `no client with id "${id}"`);
      return r;
    },
    notInternal(id: string): void {
      if (isInternalClient(id)) throw new SsoError('invalid_input', `"${id}" is the IdP's own client (the console); it is managed by the IdP`);
    },
  };
}

/** Registering an application and changing what it is registered with. */
function registration(repo: ClientRepository, audit: Audit) {
  const { mustFind, notInternal } = guards(repo);
  return {
    /** Registers a client; returns its view and, for confidential clients, the secret (shown once). */
    async add(input: NewClient): Promise<{ client: ClientView; clientSecret: string | null }> {
      if (input.id !== undefined) notInternal(input.id);
      const problems = newClientFieldProblems(input);
      if (problems.length) throw new ClientInputError(problems, problems.map((p) => problemText(p, input.type, '--redirect-uri')).join('; '));
      checkDisplay(input);
      const policy = input.accessPolicy ? checkedPolicy(input.accessPolicy) : undefined;
      const logo = input.logo ? logoRecord(input.logo) : null;
      const id = input.id ?? newClientId();
      const exists = () => new SsoError('exists', `a client with id "${id}" already exists`);
      if (await repo.byId(id)) throw exists();
      const secret = isPublicType(input.type) ? null : generateClientSecret();
      const row = await repo.create(id, {
          name: input.name.trim(),
          type: input.type,
          firstParty: input.firstParty ?? false,
          releaseGroupDns: input.releaseGroupDns ?? false,
          requireMfa: input.requireMfa ?? false,
          secretHash: secret ? hashClientSecret(secret) : null,
          redirectUris: JSON.stringify(input.redirectUris),
          postLogoutRedirectUris: JSON.stringify(input.postLogoutRedirectUris ?? []),
          backchannelLogoutUri: input.backchannelLogoutUri ?? null,
          secretRotatedAt: secret ? new Date() : null,
          ...displayColumns(input),
          ...(policy ? policyColumns(policy) : {}),
      });
      if (!row) throw exists();
      const view = clientView(logo ? await repo.setLogo(id, logo) : row);
      await audit?.record({
        type: 'client.created',
        outcome: 'success',
        clientId: view.client_id,
        detail: createdDetail(view, logo, secret !== null),
      });
      return { client: view, clientSecret: secret };
    },

    /** Changes the name, redirect URIs, post-logout redirect URIs, back-channel logout URI or the release of group DNs. */
    async update(id: string, u: ClientUpdate): Promise<ClientView> {
      notInternal(id);
      const before = await mustFind(id);
      const type = before.type as ClientType;
      const problems = fieldProblems(type, u);
      if (problems.length) throw new ClientInputError(problems, problems.map((p) => problemText(p, type)).join('; '));
      checkDisplay(u);
      const policy = u.accessPolicy ? checkedPolicy(u.accessPolicy) : undefined;
      const logo = u.logo ? logoRecord(u.logo) : null;
      const data = {
        ...displayColumns(u),
        ...(u.name !== undefined ? { name: u.name.trim() } : {}),
        ...(u.redirectUris !== undefined ? { redirectUris: JSON.stringify(u.redirectUris) } : {}),
        ...(u.postLogoutRedirectUris !== undefined ? { postLogoutRedirectUris: JSON.stringify(u.postLogoutRedirectUris) } : {}),
        ...(u.backchannelLogoutUri !== undefined ? { backchannelLogoutUri: u.backchannelLogoutUri || null } : {}),
        ...(u.releaseGroupDns !== undefined ? { releaseGroupDns: u.releaseGroupDns } : {}),
        ...(u.requireMfa !== undefined ? { requireMfa: u.requireMfa } : {}),
        ...(u.firstParty !== undefined ? { firstParty: u.firstParty } : {}),
        ...(policy ? policyColumns(policy) : {}),
      };
      let row = await repo.update(id, data);
      if (u.logo !== undefined && (logo?.etag ?? null) !== before.logoEtag) row = await repo.setLogo(id, logo);
      const view = clientView(row);
      const changed = changedFields(clientView(before), view);
      await audit?.record({
        type: 'client.updated',
        outcome: 'success',
        clientId: id,
        detail: {
          changed, name: view.name, redirect_uris: view.redirect_uris, post_logout_redirect_uris: view.post_logout_redirect_uris,
          backchannel_logout_uri: view.backchannel_logout_uri, release_group_dns: view.release_group_dns, require_mfa: view.require_mfa, first_party: view.first_party,
          home_url: view.home_url, description: view.description, access_policy: view.access_policy, ...(changed.includes('logo') ? { logo: logo ? { type: logo.contentType, bytes: logo.data.length } : null } : {}),
        },
      });
      return view;
    },

  };
}

/** The client the IdP keeps for itself (the console's). */
function internalClients(repo: ClientRepository, audit: Audit) {
  return {
    /**
     * Creates or corrects a client the IdP keeps for itself, so that it has exactly these fields
     * and this secret (only its hash is stored). Every instance derives the same secret, so they
     * agree. Audited only when something changed.
     */
    async ensureInternal(c: InternalClient): Promise<'created' | 'updated' | 'unchanged'> {
      const before = await repo.byId(c.id);
      const fields = {
        name: c.name,
        type: 'web',
        firstParty: true,
        redirectUris: JSON.stringify(c.redirectUris),
        postLogoutRedirectUris: JSON.stringify(c.postLogoutRedirectUris),
        backchannelLogoutUri: null,
        status: 'active',
      };
      if (!before) {
        const created = await repo.create(c.id, { ...fields, secretHash: hashClientSecret(c.secret), secretRotatedAt: new Date() });
        if (!created) return 'unchanged'; // another instance created it at the same moment
        await audit?.record({ type: 'client.created', outcome: 'success', clientId: c.id, detail: { name: c.name, type: 'web', first_party: true, redirect_uris: c.redirectUris, internal: true } });
        return 'created';
      }
      const same = (Object.keys(fields) as (keyof typeof fields)[]).every((k) => before[k] === fields[k]) && verifyClientSecret(c.secret, before.secretHash);
      if (same) return 'unchanged';
      const secretChanged = !verifyClientSecret(c.secret, before.secretHash);
      await repo.update(c.id, { ...fields, ...(secretChanged ? { secretHash: hashClientSecret(c.secret), secretRotatedAt: new Date() } : {}) });
      await audit?.record({ type: 'client.updated', outcome: 'success', clientId: c.id, detail: { internal: true, redirect_uris: c.redirectUris, secret_changed: secretChanged } });
      return 'updated';
    },

  };
}

/** A client's removal and status. */
function credentialsAndStatus(repo: ClientRepository, audit: Audit) {
  const { mustFind, notInternal } = guards(repo);
  return {
    /**
     * Deletes an application: its tokens, codes, grants and sessions' entries go with it, at once
     * (running servers stop accepting it within their client cache, 5 s). Its secret cannot be
     * recovered: registering it again gives a new one. Returns how many issued rows were removed.
     */
    async remove(id: string): Promise<{ client: ClientView; revoked: number }> {
      notInternal(id);
      const before = await mustFind(id);
      const revoked = await repo.remove(id);
      if (revoked === null) throw new SsoError('not_found', `no client with id "${id}"`);
      await audit?.record({ type: 'client.deleted', outcome: 'success', clientId: id, detail: { name: before.name, type: before.type, revoked } });
      return { client: clientView(before), revoked };
    },

    async setStatus(id: string, status: 'active' | 'disabled'): Promise<ClientView> {
      notInternal(id);
      const before = await mustFind(id);
      const r = await repo.update(id, { status });
      const revoked = status === 'disabled' ? await repo.revokeIssued(id) : 0;
      await audit?.record({ type: 'client.status_changed', outcome: status, clientId: id, detail: { name: r.name, from: before.status, to: status, ...(status === 'disabled' ? { revoked } : {}) } });
      return clientView(r);
    },
  };
}

export function createClientService(repo: ClientRepository, deps: ClientServiceDeps = {}) {
  const { mustFind } = guards(repo);
  const service = {
    async list(): Promise<ClientView[]> {
      return (await repo.list()).map(clientView);
    },

    /** The client, or null when there is none with this id. */
    async find(id: string): Promise<ClientView | null> {
      const r = await repo.byId(id);
      return r ? clientView(r) : null;
    },

    async get(id: string): Promise<ClientView> {
      return clientView(await mustFind(id));
    },

    ...registration(repo, deps.audit),
    ...internalClients(repo, deps.audit),
    ...credentialsAndStatus(repo, deps.audit),
    ...secretRotation(repo, deps.audit),
  };
  return deps.cache ? droppingCache(service, deps.cache) : service;
}

export type ClientService = ReturnType<typeof createClientService>;
