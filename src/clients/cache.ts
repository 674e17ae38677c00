/**
 * The provider looks a client up on every protocol request (client authentication, the code
 * exchange, introspection, userinfo...). Without a cache that is a database round trip each time,
 * for rows that change a few times a year. This keeps each client's metadata (or its absence)
 * for a short TTL, in this process only:
 *
 * - a change made through this process's client service (the console) drops the entry at once;
 * - a change made elsewhere (`sso client ...`, another instance) is seen within the TTL;
 * - concurrent misses for one id share one load; a failed load is not cached;
 * - at most `maxEntries` ids are kept (unknown ids are cached too, so a flood of made-up
 *   client_ids costs one query per id per TTL, and cannot grow memory without bound).
 *
 * Callers get their own copy of the metadata: what the provider does with it never reaches the
 * cache.
 */
import type { ClientRepository } from '../db/repos/clients.js';
import { clientMetadata } from './metadata.js';
import { isStorableKey } from '../db/text.js';

export const CLIENT_CACHE_TTL_MS = 5_000;

export type ClientMetadataRecord = Record<string, unknown>;

export interface ClientCache {
  readonly ttlMs: number;
  /** The client's metadata, from the cache when fresh, else from `load`. Undefined: no such active client. */
  get(id: string): Promise<ClientMetadataRecord | undefined>;
  /** Forget one client (after a change to it), or all. */
  invalidate(id?: string): void;
}

export interface ClientCacheOptions {
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  value: ClientMetadataRecord | undefined;
  expires: number;
}

export function createClientCache(load: (id: string) => Promise<ClientMetadataRecord | undefined>, opts: ClientCacheOptions = {}): ClientCache {
  const ttlMs = opts.ttlMs ?? CLIENT_CACHE_TTL_MS;
  const maxEntries = opts.maxEntries ?? 10_000;
  const now = opts.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const loading = new Map<string, Promise<ClientMetadataRecord | undefined>>();
  // bumped by invalidate(): a load that started before a change must not store what it read
  let generation = 0;

  const copy = (v: ClientMetadataRecord | undefined) => (v === undefined ? undefined : structuredClone(v));

  function store(id: string, value: ClientMetadataRecord | undefined): void {
    if (entries.size >= maxEntries && !entries.has(id)) {
      // Maps keep insertion order: drop the oldest
      const oldest = entries.keys().next().value;
      if (oldest !== undefined) entries.delete(oldest);
    }
    entries.delete(id);
    entries.set(id, { value, expires: now() + ttlMs });
  }

  return {
    ttlMs,
    async get(id) {
      const hit = entries.get(id);
      if (hit && hit.expires > now()) return copy(hit.value);
      let pending = loading.get(id);
      if (!pending) {
        const gen = generation;
        pending = load(id).then(
          (value) => {
            loading.delete(id);
            if (gen === generation) store(id, value);
            return value;
          },
          (err: unknown) => {
            loading.delete(id);
            throw err;
          },
        );
        loading.set(id, pending);
      }
      return copy(await pending);
    },
    invalidate(id) {
      generation++;
      if (id === undefined) entries.clear();
      else entries.delete(id);
      // a load in flight may have read the old row: the next get loads again
      if (id === undefined) loading.clear();
      else loading.delete(id);
    },
  };
}

/** An active client's metadata from the Client table; undefined when missing or disabled. */
export function activeClientLoader(repo: Pick<ClientRepository, 'byId'>) {
  return async (id: string): Promise<ClientMetadataRecord | undefined> => {
    if (!isStorableKey(id)) return undefined;
    const row = await repo.byId(id);
    if (!row || row.status !== 'active') return undefined;
    return clientMetadata(row);
  };
}
