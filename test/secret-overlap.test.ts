/**
 * Rotating a client's secret with an overlap: the old secret keeps working until the date the
 * administrator picked and is refused after it (the date is moved into the past in the database,
 * as the passing of time would), on two instances of one database; without an overlap it stops
 * at once. The pure parts too: the limits, the dates accepted, the constant-time check.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { MAX_SECRET_OVERLAP_DAYS, overlapProblem, parseOverlapUntil } from '../src/clients/secret-overlap.js';
import { hashClientSecret, verifyClientSecrets } from '../src/clients/secret.js';
import { clientMetadata } from '../src/clients/metadata.js';
import { runMaintenance } from '../src/app/container.js';
import { CLIENT_CACHE_TTL_MS } from '../src/clients/cache.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { until } from './helpers/until.js';

const DAY = 86_400_000;

describe('overlap rules', () => {
  const now = new Date('2026-12-11T01:00:00Z');
  test('the end must be in the future and at most 90 days ahead', () => {
    expect(overlapProblem(new Date(now.getTime() + DAY), now)).toBeNull();
    expect(overlapProblem(new Date(now.getTime() + MAX_SECRET_OVERLAP_DAYS * DAY), now)).toBeNull();
    expect(overlapProblem(new Date(now.getTime() + MAX_SECRET_OVERLAP_DAYS * DAY + 1), now)).toBe('too_far');
    expect(overlapProblem(now, now)).toBe('past');
    expect(overlapProblem(new Date('x'), now)).toBe('invalid');
  });

  test('dates: ISO, and dd/MM/yyyy HH:mm in Vietnam time', () => {
    expect(parseOverlapUntil('31/12/2026 17:30')?.toISOString()).toBe('2026-12-31T10:30:00.000Z');
    expect(parseOverlapUntil('01/01/2027')?.toISOString()).toBe('2026-12-31T17:00:00.000Z');
    expect(parseOverlapUntil('2026-12-31')?.toISOString()).toBe('2026-12-30T17:00:00.000Z');
    expect(parseOverlapUntil('2026-12-31T08:00')?.toISOString()).toBe('2026-12-31T01:00:00.000Z');
    expect(parseOverlapUntil('2026-12-31T08:00:00Z')?.toISOString()).toBe('2026-12-31T08:00:00.000Z');
    expect(parseOverlapUntil('2026-12-31T08:00:00+07:00')?.toISOString()).toBe('2026-12-31T01:00:00.000Z');
    for (const bad of ['', 'mai', '31/02/2027 10:00', '2027-13-01', '32/01/2027', '2027-01-01T25:00', '12/31/2026 10:00']) expect(parseOverlapUntil(bad)).toBeNull();
  });

  test('the previous secret verifies only while its overlap lasts; the current one always', () => {
    const current = hashClientSecret('new');
    const previous = hashClientSecret('old');
    const t = Date.now();
    expect(verifyClientSecrets('new', { current, previous, previousUntil: t - 1 }, t)).toBe(true);
    expect(verifyClientSecrets('old', { current, previous, previousUntil: t + 1 }, t)).toBe(true);
    expect(verifyClientSecrets('old', { current, previous, previousUntil: t }, t)).toBe(false);
    expect(verifyClientSecrets('old', { current }, t)).toBe(false);
    expect(verifyClientSecrets('other', { current, previous, previousUntil: t + 1 }, t)).toBe(false);
    expect(verifyClientSecrets(undefined, { current, previous, previousUntil: t + 1 }, t)).toBe(false);
  });

  test('the metadata carries the previous hash and its end, never a secret in the clear', () => {
    const row = { id: 'a', name: 'A', type: 'service', firstParty: false, secretHash: 'hs256$s$m', redirectUris: '[]', postLogoutRedirectUris: '[]', backchannelLogoutUri: null, releaseGroupDns: false, status: 'active' };
    expect(clientMetadata(row)).not.toHaveProperty('previous_secret_hash');
    const until = new Date('2027-01-01T00:00:00Z');
    expect(clientMetadata({ ...row, previousSecretHash: 'hs256$p$q', previousSecretUntil: until })).toMatchObject({ previous_secret_hash: 'hs256$p$q', previous_secret_until: until.getTime() });
  });
});

describe('rotation with an overlap, two instances on one database', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer();
    b = await startTestServer({}, { databaseUrl: a.config.databaseUrl });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  async function token(s: TestServer, id: string, secret: string, how: 'basic' | 'post' = 'basic'): Promise<number> {
    const basic = how === 'basic';
    const r = await fetch(`${s.issuer}/token`, {
      method: 'POST',
      headers: { ...(basic ? { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` } : {}), 'content-type': 'application/x-www-form-urlencoded' },
      body: basic ? 'grant_type=client_credentials' : new URLSearchParams({ grant_type: 'client_credentials', client_id: id, client_secret: secret }).toString(),
    });
    await r.arrayBuffer();
    return r.status;
  }
  const both = async (id: string, secret: string) => [await token(a, id, secret), await token(b, id, secret)];

  test('the old secret works on both instances until the date, then is refused by both', async () => {
    const { client, clientSecret: old } = await a.services.clients.add({ name: 'Đồng bộ', type: 'service', redirectUris: [] });
    const id = client.client_id;
    expect(await both(id, old!)).toEqual([200, 200]);
    const untilDate = new Date(Date.now() + 7 * DAY);
    const fresh = await a.services.clients.rotateSecret(id, { overlapUntil: untilDate });
    expect(await both(id, old!)).toEqual([200, 200]);
    expect(await token(a, id, old!, 'post')).toBe(200); // the secret in the body goes through the same check
    // the new one on b once its cached copy is renewed (within the TTL); the old one still works then
    await until('b accepts the new secret', async () => (await token(b, id, fresh)) === 200, CLIENT_CACHE_TTL_MS + 5000, 100);
    expect(await both(id, old!)).toEqual([200, 200]);
    expect((await b.services.clients.get(id)).overlap_until).toBe(untilDate.toISOString());
    const row = await a.services.db.prisma.client.findUniqueOrThrow({ where: { id } });
    expect(row.previousSecretHash).toMatch(/^hs256\$/);
    expect(JSON.stringify(row)).not.toContain(old!);

    // the date passes: both refuse the old secret, even with the entry still in their cache
    await a.services.db.prisma.client.update({ where: { id }, data: { previousSecretUntil: new Date(Date.now() - 1000) } });
    const t0 = Date.now();
    await until('both instances refuse the old secret', async () => (await both(id, old!)).every((s) => s === 401), CLIENT_CACHE_TTL_MS + 5000, 100);
    expect(Date.now() - t0).toBeLessThanOrEqual(CLIENT_CACHE_TTL_MS + 5000);
    expect(await both(id, fresh)).toEqual([200, 200]);

    // housekeeping forgets it
    await runMaintenance(a.services);
    expect((await a.services.db.prisma.client.findUniqueOrThrow({ where: { id } })).previousSecretHash).toBeNull();
  }, 30_000);

  test('a cached copy stops accepting the old secret at its date, without a reload', async () => {
    const { client, clientSecret: old } = await a.services.clients.add({ name: 'Hộp thư', type: 'web', redirectUris: ['https://hop-thu.example/cb'] });
    const id = client.client_id;
    await a.services.clients.rotateSecret(id, { overlapUntil: new Date(Date.now() + 1500) });
    // a web client: the token endpoint checks the secret before the grant (invalid_grant: 400)
    const status = async () => {
      const r = await fetch(`${a.issuer}/token`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${id}:${old!}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=authorization_code&code=nope&redirect_uri=https%3A%2F%2Fhop-thu.example%2Fcb' });
      await r.arrayBuffer();
      return r.status;
    };
    expect(await status()).toBe(400);
    await until('the overlap ends', async () => (await status()) === 401, 5000, 50);
  }, 15_000);

  test('ending the overlap now, and rotating without one, refuse the old secret', async () => {
    const { client, clientSecret: first } = await a.services.clients.add({ name: 'Một cửa', type: 'service', redirectUris: [] });
    const id = client.client_id;
    const second = await a.services.clients.rotateSecret(id, { overlapUntil: new Date(Date.now() + DAY) });
    expect(await token(a, id, first!)).toBe(200);
    expect(await a.services.clients.endSecretOverlap(id)).toBe(true);
    expect(await token(a, id, first!)).toBe(401);
    expect(await token(a, id, second)).toBe(200);
    expect((await a.services.clients.get(id)).overlap_until).toBeNull();
    expect(await a.services.clients.endSecretOverlap(id)).toBe(false);

    await a.services.clients.rotateSecret(id, { overlapUntil: new Date(Date.now() + DAY) });
    expect(await token(a, id, second)).toBe(200);
    const third = await a.services.clients.rotateSecret(id);
    expect(await token(a, id, second)).toBe(401);
    expect(await token(a, id, third)).toBe(200);
  });

  test('refused: an end in the past or too far ahead, a public client', async () => {
    const { client } = await a.services.clients.add({ name: 'Ứng dụng di động', type: 'native', redirectUris: ['vn.gov.app:/cb'] });
    const svc = await a.services.clients.add({ name: 'Báo cáo', type: 'service', redirectUris: [] });
    await expect(a.services.clients.rotateSecret(svc.client.client_id, { overlapUntil: new Date(Date.now() - 1) })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('future') });
    await expect(a.services.clients.rotateSecret(svc.client.client_id, { overlapUntil: new Date(Date.now() + 91 * DAY) })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('90 days') });
    await expect(a.services.clients.rotateSecret(client.client_id, { overlapUntil: new Date(Date.now() + DAY) })).rejects.toMatchObject({ code: 'invalid_input' });
    expect(await token(a, svc.client.client_id, svc.clientSecret!)).toBe(200);
  });
});
