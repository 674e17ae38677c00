/**
 * The provider's client cache (src/clients/cache.ts): fresh within the TTL, reloaded after it,
 * dropped by the client service's changes, one load for concurrent misses, failures not cached,
 * bounded, and copies handed out. And end to end: a client disabled through this process's
 * client service stops getting tokens at once; one disabled elsewhere within the TTL.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createClientCache, CLIENT_CACHE_TTL_MS, type ClientMetadataRecord } from '../src/clients/cache.js';
import { openServices, type Services } from '../src/app/container.js';
import { startTestServer, type TestServer } from './helpers/server.js';

function counting(values: Record<string, ClientMetadataRecord | undefined>) {
  const calls: string[] = [];
  return { calls, load: async (id: string) => { calls.push(id); return values[id]; } };
}

describe('client cache', () => {
  test('serves from memory within the TTL and reloads after it; unknown ids are cached too', async () => {
    let t = 0;
    const l = counting({ a: { client_id: 'a' } });
    const cache = createClientCache(l.load, { ttlMs: 1000, now: () => t });
    expect(await cache.get('a')).toEqual({ client_id: 'a' });
    expect(await cache.get('a')).toEqual({ client_id: 'a' });
    expect(await cache.get('nobody')).toBeUndefined();
    expect(await cache.get('nobody')).toBeUndefined();
    expect(l.calls).toEqual(['a', 'nobody']);
    t = 1000;
    await cache.get('a');
    expect(l.calls).toEqual(['a', 'nobody', 'a']);
  });

  test('invalidate drops one id or all; a load in flight during a change is not stored', async () => {
    const values: Record<string, ClientMetadataRecord | undefined> = { a: { v: 1 }, b: { v: 1 } };
    const l = counting(values);
    const cache = createClientCache(l.load);
    await cache.get('a');
    await cache.get('b');
    values.a = { v: 2 };
    cache.invalidate('a');
    expect(await cache.get('a')).toEqual({ v: 2 });
    expect(await cache.get('b')).toEqual({ v: 1 });
    values.b = undefined;
    cache.invalidate();
    expect(await cache.get('b')).toBeUndefined();

    let release!: () => void;
    const slow = createClientCache(async () => { await new Promise<void>((r) => (release = r)); return { v: 'old' }; });
    const pending = slow.get('x');
    slow.invalidate('x');
    release();
    expect(await pending).toEqual({ v: 'old' });
    // not stored: the next get loads again (and waits for the loader again)
    const again = slow.get('x');
    release();
    await again;
  });

  test('concurrent misses share one load; a failed load is not cached', async () => {
    let n = 0;
    let fail = true;
    const cache = createClientCache(async () => {
      n++;
      await new Promise((r) => setTimeout(r, 10));
      if (fail) throw new Error('database down');
      return { ok: true };
    });
    const all = await Promise.allSettled(Array.from({ length: 20 }, () => cache.get('c')));
    expect(n).toBe(1);
    expect(all.every((r) => r.status === 'rejected')).toBe(true);
    fail = false;
    expect(await cache.get('c')).toEqual({ ok: true });
    expect(n).toBe(2);
  });

  test('bounded: the oldest entry goes first', async () => {
    const l = counting({});
    const cache = createClientCache(l.load, { maxEntries: 3 });
    for (const id of ['1', '2', '3', '4']) await cache.get(id);
    await cache.get('4');
    await cache.get('2');
    expect(l.calls).toEqual(['1', '2', '3', '4']);
    await cache.get('1');
    expect(l.calls).toEqual(['1', '2', '3', '4', '1']);
  });

  test('callers get copies: changing one does not change the cache', async () => {
    const cache = createClientCache(async () => ({ redirect_uris: ['https://a.example/cb'] }));
    const first = await cache.get('a');
    (first!.redirect_uris as string[]).push('https://evil.example/cb');
    expect(await cache.get('a')).toEqual({ redirect_uris: ['https://a.example/cb'] });
  });
});

describe('client cache in the server', () => {
  let server: TestServer;
  let other: Services;
  beforeAll(async () => {
    server = await startTestServer();
    // another process's view of the same database (as `sso client ...` has)
    other = await openServices(server.config, { migrate: false });
  });
  afterAll(async () => {
    await other?.close();
    await server?.stop();
  });

  async function token(id: string, secret: string): Promise<number> {
    const r = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    await r.arrayBuffer();
    return r.status;
  }

  test('disabled through this process: refused at once', async () => {
    const { client, clientSecret } = await server.services.clients.add({ name: 'svc', type: 'service', redirectUris: [] });
    expect(await token(client.client_id, clientSecret!)).toBe(200);
    await server.services.clients.setStatus(client.client_id, 'disabled');
    expect(await token(client.client_id, clientSecret!)).toBe(401);
  });

  test('a secret rotated elsewhere: the old one works at most for the TTL, the new one after it', async () => {
    const { client, clientSecret } = await other.clients.add({ name: 'svc2', type: 'service', redirectUris: [] });
    expect(await token(client.client_id, clientSecret!)).toBe(200);
    const fresh = await other.clients.rotateSecret(client.client_id);
    const t0 = Date.now();
    // the old secret keeps working only while this instance still holds the entry
    while ((await token(client.client_id, clientSecret!)) === 200) {
      expect(Date.now() - t0).toBeLessThanOrEqual(CLIENT_CACHE_TTL_MS + 1000);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await token(client.client_id, fresh)).toBe(200);
  }, 20_000);
});
