/**
 * The storage contract of db/repos/second-factors.ts on a fresh database (SQLite or PostgreSQL,
 * as TEST_DATABASE selects): one authenticator per account, a time step accepted once (the
 * compare-and-set, also under concurrent calls), recovery and enrolment codes used once.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createSecondFactorRepository, type SecondFactorRepository } from '../../src/db/repos/second-factors.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let t: TestDatabase;
let repo: SecondFactorRepository;

beforeAll(async () => {
  t = await createTestDatabase();
  repo = createSecondFactorRepository(t.db.prisma);
});
afterAll(async () => t?.drop());

const T0 = new Date('2026-12-12T01:00:00Z');

describe('second factors', () => {
  test('a pending authenticator, confirmed once, its steps accepted once each, in order only', async () => {
    const pending = (await repo.startTotp('acc-1', (id) => `sealed-${id}`))!;
    expect(pending.secretSealed).toBe(`sealed-${pending.id}`);
    expect(await repo.useTotpStep(pending.id, 100)).toBe(false); // not confirmed yet
    // a new start replaces a pending one
    const again = (await repo.startTotp('acc-1', (id) => `sealed-${id}`))!;
    expect(again.id).not.toBe(pending.id);
    expect(await repo.confirmTotp(again.id, 100, T0)).toBe(true);
    expect(await repo.confirmTotp(again.id, 101, T0)).toBe(false);
    expect(await repo.startTotp('acc-1', () => 'x')).toBeNull();
    expect(await repo.useTotpStep(again.id, 100)).toBe(false);
    // two instances given the same code at once: exactly one wins
    const both = await Promise.all([repo.useTotpStep(again.id, 101), repo.useTotpStep(again.id, 101)]);
    expect(both.filter(Boolean)).toHaveLength(1);
    expect(await repo.useTotpStep(again.id, 100)).toBe(false);
    expect((await repo.totpOf('acc-1'))!.lastStep).toBe(101);
    expect(await repo.enrolledCounts()).toEqual({ totp: 1 });
  });

  test('recovery codes: replaced as a set, each used once', async () => {
    await repo.replaceRecoveryCodes('acc-1', ['h1', 'h2']);
    await repo.replaceRecoveryCodes('acc-1', ['h3', 'h4', 'h5']);
    expect(await repo.recoveryCodesLeft('acc-1')).toBe(3);
    expect(await repo.useRecoveryCode('acc-1', 'h1', T0)).toBe(false);
    expect(await repo.useRecoveryCode('acc-2', 'h3', T0)).toBe(false);
    const both = await Promise.all([repo.useRecoveryCode('acc-1', 'h3', T0), repo.useRecoveryCode('acc-1', 'h3', T0)]);
    expect(both.filter(Boolean)).toHaveLength(1);
    expect(await repo.recoveryCodesLeft('acc-1')).toBe(2);
  });

  test('enrolment codes: the newest only, before expiry, once', async () => {
    await repo.issueEnrolCode('acc-3', 'e1', new Date(T0.getTime() + 60_000), 'op');
    await repo.issueEnrolCode('acc-3', 'e2', new Date(T0.getTime() + 60_000), 'op');
    expect(await repo.useEnrolCode('acc-3', 'e1', T0)).toBe(false);
    expect(await repo.useEnrolCode('acc-3', 'e2', new Date(T0.getTime() + 120_000))).toBe(false);
    expect(await repo.useEnrolCode('acc-3', 'e2', T0)).toBe(true);
    expect(await repo.useEnrolCode('acc-3', 'e2', T0)).toBe(false);
  });

  test('the requirement keeps its first time; a reset removes every factor and code', async () => {
    expect(await repo.requiredSince('acc-1', T0)).toEqual(T0);
    expect(await repo.requiredSince('acc-1', new Date(T0.getTime() + 5000))).toEqual(T0);
    expect(await repo.reset('acc-1')).toBe(true);
    expect(await repo.totpOf('acc-1')).toBeNull();
    expect(await repo.recoveryCodesLeft('acc-1')).toBe(0);
    expect(await repo.reset('acc-1')).toBe(false);
    expect(await repo.enrolledCounts()).toEqual({ totp: 0 });
  });
});
