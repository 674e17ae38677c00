/**
 * The access use case's data (src/access/current.ts) with scripted ports: how long groups read
 * from the directory are kept, what a directory outage falls back to, local accounts, and what a
 * refusal records. The same with real slapd and the server: test/access-policy-flow.test.ts.
 */
import { describe, expect, it } from '@jest/globals';
import { createAccess, MAX_GROUPS_CACHE_SECONDS } from '../src/access/current.js';
import { DirectoryUnavailableError, type DirectoryIdentity } from '../src/directory/types.js';
import type { AccountRow } from '../src/db/repos/accounts.js';
import { createLogger } from '../src/util/logger.js';
import type { AuditEventInput } from '../src/audit/events.js';

const G1 = 'cn=ke-toan,ou=groups,dc=tinh,dc=gov,dc=vn';
const G2 = 'cn=van-thu,ou=groups,dc=tinh,dc=gov,dc=vn';
const POLICY = { groups: [G1], departments: [], organizations: [] };

const account = (over: Partial<AccountRow> = {}): AccountRow => ({
  id: 'a1', login: 'annv', email: null, emailVerified: false, displayName: 'An', givenName: null, familyName: null, middleName: null, phoneNumber: null,
  status: 'active', source: 'ldap', externalId: 'x-1', passwordHash: null,
  attributes: JSON.stringify({ groupDns: [G2], organization: { department: 'Văn phòng', organization: 'Sở Nội vụ' } }),
  createdAt: new Date(), updatedAt: new Date(), lastLoginAt: null, disabledAt: null, admin: false, helpdesk: false, search: '', sessionsNotBefore: null, ...over,
});

/** A directory whose answer the test sets: groups, or down. */
function directory() {
  const d = { groups: [G1] as string[], down: false, lookups: 0 };
  return {
    d,
    port: {
      async lookup(): Promise<DirectoryIdentity | null> {
        d.lookups += 1;
        if (d.down) throw new DirectoryUnavailableError('no directory server reachable');
        return { groupDns: d.groups } as DirectoryIdentity;
      },
    },
  };
}

function setup(cacheSeconds: number, row = account()) {
  const dir = directory();
  let now = 1_000_000;
  const audited: AuditEventInput[] = [];
  const logs: string[] = [];
  const logger = createLogger('info', { write: (l: string) => { logs.push(l); return true; } } as unknown as NodeJS.WritableStream);
  const access = createAccess({ accounts: { byId: async (id) => (id === row.id ? row : null) }, directory: dir.port, cacheSeconds, logger, audit: { record: async (e) => { audited.push(e); return null; } }, now: () => now });
  return { access, dir: dir.d, audited, logs, tick: (s: number) => { now += s * 1000; } };
}

describe('groups from the directory', () => {
  it('are kept for the cache time, then read again', async () => {
    const s = setup(60);
    expect(await s.access.check({ accountId: 'a1', clientId: 'c', policy: POLICY, where: 'refresh' })).toBe(true);
    s.dir.groups = [G2];
    s.tick(59);
    expect(await s.access.check({ accountId: 'a1', clientId: 'c', policy: POLICY, where: 'refresh' })).toBe(true);
    expect(s.dir.lookups).toBe(1);
    s.tick(1);
    expect(await s.access.check({ accountId: 'a1', clientId: 'c', policy: POLICY, where: 'refresh', ip: '203.0.113.9' })).toBe(false);
    expect(s.dir.lookups).toBe(2);
    expect(s.audited).toEqual([expect.objectContaining({ type: 'access.denied', outcome: 'refresh', subject: 'a1', clientId: 'c', ip: '203.0.113.9' })]);
  });

  it('are never kept longer than 5 minutes, whatever the setting; 0 reads every time', async () => {
    const long = setup(3600);
    await long.access.personOf('a1');
    long.tick(MAX_GROUPS_CACHE_SECONDS);
    await long.access.personOf('a1');
    expect(long.dir.lookups).toBe(2);
    const none = setup(0);
    await none.access.personOf('a1');
    await none.access.personOf('a1');
    expect(none.dir.lookups).toBe(2);
  });

  it('with the directory down: the groups last read (however old), else the account\'s; a warning, not a refusal', async () => {
    const s = setup(1);
    await s.access.personOf('a1');
    s.dir.down = true;
    s.tick(3600);
    expect((await s.access.personOf('a1'))!.groupDns).toEqual([G1]);
    expect(s.logs.join('')).toContain('"event":"access.directory_unavailable"');
    const cold = setup(1);
    cold.dir.down = true;
    expect((await cold.access.personOf('a1'))!.groupDns).toEqual([G2]);
  });

  it('an entry gone from the directory has no groups', async () => {
    const s = setup(0);
    s.dir.groups = [];
    expect(await s.access.check({ accountId: 'a1', clientId: 'c', policy: POLICY, where: 'authorization' })).toBe(false);
  });
});

describe('the rest of the person', () => {
  it('department and organisation come from the account; a local account\'s groups too, without asking the directory', async () => {
    const s = setup(0, account({ source: 'local', externalId: null }));
    expect(await s.access.personOf('a1')).toEqual({ groupDns: [G2], department: 'Văn phòng', organization: 'Sở Nội vụ' });
    expect(s.dir.lookups).toBe(0);
    expect(await s.access.check({ accountId: 'a1', clientId: 'c', policy: { groups: [], departments: ['VĂN PHÒNG'], organizations: [] }, where: 'authorization' })).toBe(true);
  });

  it('an open policy asks nothing; an unknown account is refused; the launcher records no refusal', async () => {
    const s = setup(0);
    expect(await s.access.check({ accountId: 'nobody', clientId: 'c', policy: { groups: [], departments: [], organizations: [] }, where: 'authorization' })).toBe(true);
    expect(s.dir.lookups).toBe(0);
    expect(await s.access.check({ accountId: 'nobody', clientId: 'c', policy: POLICY, where: 'authorization' })).toBe(false);
    expect(await s.access.check({ accountId: 'a1', clientId: 'c', policy: { groups: [G2.replace('van-thu', 'x')], departments: [], organizations: [] }, where: 'launcher' })).toBe(false);
    expect(s.audited.map((e) => e.outcome)).toEqual(['authorization']);
  });
});
