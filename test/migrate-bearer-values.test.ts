/**
 * The upgrade of rows stored before bearer values were hashed (migration
 * 20261207100000_bearer_values_hashed), on the database TEST_DATABASE selects: rows written the
 * old way (the value as the row id and as `jti` in the payload) on a database migrated up to the
 * migration before, then every migration applied. PostgreSQL converts them (sessions and tokens
 * keep working by their value); SQLite, which has no SHA-256 in SQL, removes them. Either way no
 * value is left in the database (the raw bytes of the SQLite file; every text column on
 * PostgreSQL), and consent (grants) stays.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { migrate, migrationsDir } from '../src/db/migrate.js';
import { openDatabase, type Database } from '../src/db/client.js';
import { createEmptyTestDatabase, testBackend, type EmptyTestDatabase } from './helpers/db.js';
import { adapterFactory } from './helpers/oidc-storage.js';
import { foundAtRest } from './helpers/at-rest.js';
import { digestOf } from '../src/domain/bearer-values.js';

const MIGRATION = '20261207100000_bearer_values_hashed';
const backend = testBackend();
const value = (n = 32) => randomBytes(n).toString('base64url').slice(0, Math.ceil((n * 4) / 3));
const sec = Math.floor(Date.now() / 1000);
const later = new Date(Date.now() + 3_600_000);

let empty: EmptyTestDatabase;
let before: string;
let db: Database;

const session = value(16);
const refresh = value();
const access = value();
const code = value();
const interaction = value();
const oddShape = value();
const grant = value();
const fillers = Array.from({ length: 300 }, () => value());

/** The rows an older version wrote: the value as the id and, in the payload, as jti after iat and exp. */
function oldRows() {
  const p = (o: Record<string, unknown>) => JSON.stringify(o);
  return [
    { type: 'Session', id: session, uid: 'session-uid', accountId: 'acc-1', payload: p({ iat: sec, exp: sec + 3600, jti: session, kind: 'Session', uid: 'session-uid', accountId: 'acc-1', loginTs: sec, authorizations: { app: { sid: 'sid-1', grantId: grant } } }) },
    { type: 'RefreshToken', id: refresh, grantId: grant, clientId: 'app', accountId: 'acc-1', payload: p({ iat: sec, exp: sec + 3600, accountId: 'acc-1', clientId: 'app', grantId: grant, gty: 'authorization_code', kind: 'RefreshToken', jti: refresh, sessionUid: 'session-uid', rotations: 0 }) },
    { type: 'AccessToken', id: access, grantId: grant, clientId: 'app', accountId: 'acc-1', payload: p({ iat: sec, exp: sec + 3600, accountId: 'acc-1', clientId: 'app', grantId: grant, kind: 'AccessToken', jti: access, scope: 'openid' }) },
    { type: 'AuthorizationCode', id: code, grantId: grant, clientId: 'app', accountId: 'acc-1', payload: p({ iat: sec, exp: sec + 60, accountId: 'acc-1', clientId: 'app', grantId: grant, kind: 'AuthorizationCode', jti: code }) },
    { type: 'Interaction', id: interaction, payload: p({ iat: sec, exp: sec + 600, returnTo: `http://127.0.0.1/auth/${interaction}`, session: { accountId: 'acc-1', uid: 'session-uid', cookie: session }, kind: 'Interaction', jti: interaction }) },
    // not the shape oidc-provider writes: it cannot be converted, and must not survive either
    { type: 'AccessToken', id: oddShape, payload: p({ jti: oddShape, kind: 'AccessToken', iat: sec }) },
    { type: 'Grant', id: grant, accountId: 'acc-1', clientId: 'app', payload: p({ iat: sec, exp: sec + 3600, jti: grant, kind: 'Grant', accountId: 'acc-1', clientId: 'app', openid: { scope: 'openid' } }) },
    ...fillers.map((f) => ({ type: 'ClientCredentials', id: f, clientId: 'svc', payload: p({ iat: sec, exp: sec + 600, clientId: 'svc', kind: 'ClientCredentials', jti: f, scope: '' }) })),
  ];
}

beforeAll(async () => {
  empty = await createEmptyTestDatabase();
  before = mkdtempSync(join(tmpdir(), 'sso-migs-'));
  cpSync(migrationsDir(backend), before, { recursive: true });
  expect(readdirSync(before)).toContain(MIGRATION);
  rmSync(join(before, MIGRATION), { recursive: true });
  await migrate(empty.url, before);
  const old = await openDatabase(empty.url);
  try {
    await old.prisma.oidcPayload.createMany({ data: oldRows().map((r) => ({ ...r, expiresAt: later })) });
  } finally {
    await old.close();
  }
  // the old rows are there to be found (the search works on this database)
  expect((await foundAtRest(empty.url, [session, refresh, grant])).map((f) => f.value)).toEqual(expect.arrayContaining([session, refresh, grant]));
  expect((await migrate(empty.url)).applied).toEqual([MIGRATION]);
  db = await openDatabase(empty.url);
});

afterAll(async () => {
  await db?.close();
  await empty?.drop();
  rmSync(before, { recursive: true, force: true });
});

describe(`the ${MIGRATION} migration on ${backend}`, () => {
  test('no bearer value is left in the database', async () => {
    await db.close();
    try {
      expect(await foundAtRest(empty.url, [session, refresh, access, code, interaction, oddShape, ...fillers])).toEqual([]);
    } finally {
      db = await openDatabase(empty.url);
    }
  });

  test('consent stays: the grant, under its own id', async () => {
    const adapter = adapterFactory(db.prisma);
    expect(await adapter('Grant').find(grant)).toMatchObject({ jti: grant, accountId: 'acc-1', openid: { scope: 'openid' } });
  });

  test('interactions in progress and rows of another shape are gone', async () => {
    const adapter = adapterFactory(db.prisma);
    expect(await adapter('Interaction').find(interaction)).toBeUndefined();
    expect(await adapter('AccessToken').find(oddShape)).toBeUndefined();
    expect(await db.prisma.oidcPayload.count({ where: { type: 'Interaction' } })).toBe(0);
  });

  if (backend === 'postgresql') {
    test('PostgreSQL: sessions, tokens and codes are converted and found by their value, jti put back', async () => {
      const adapter = adapterFactory(db.prisma);
      expect(await adapter('Session').find(session)).toMatchObject({ jti: session, uid: 'session-uid', accountId: 'acc-1', authorizations: { app: { sid: 'sid-1', grantId: grant } } });
      expect(await adapter('Session').findByUid('session-uid')).toMatchObject({ accountId: 'acc-1' });
      expect(await adapter('RefreshToken').find(refresh)).toMatchObject({ jti: refresh, grantId: grant, rotations: 0, sessionUid: 'session-uid' });
      expect(await adapter('AccessToken').find(access)).toMatchObject({ jti: access, scope: 'openid' });
      expect(await adapter('AuthorizationCode').find(code)).toMatchObject({ jti: code, clientId: 'app' });
      for (const f of fillers.slice(0, 10)) expect(await adapter('ClientCredentials').find(f)).toMatchObject({ jti: f, clientId: 'svc' });
      const rows = await db.prisma.oidcPayload.findMany({ where: { type: 'RefreshToken' } });
      expect(rows.map((r) => r.id)).toEqual([digestOf(refresh)]);
      expect(await db.prisma.oidcPayload.count({ where: { type: 'ClientCredentials' } })).toBe(fillers.length);
    });
  } else {
    test('SQLite: the rows keyed by a bearer value are removed (everyone signs in once more)', async () => {
      const adapter = adapterFactory(db.prisma);
      expect(await adapter('Session').find(session)).toBeUndefined();
      expect(await adapter('RefreshToken').find(refresh)).toBeUndefined();
      expect(await db.prisma.oidcPayload.groupBy({ by: ['type'], _count: true })).toEqual([{ type: 'Grant', _count: 1 }]);
    });
  }
});
