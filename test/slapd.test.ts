/**
 * The throwaway slapd harness (test/helpers/slapd.ts) and its fixtures work as the other LDAP
 * tests assume: binds, ACLs, memberOf, ppolicy, size limit vs paging, LDAPS/StartTLS with the test
 * CA, restart and stop.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { Client, InvalidCredentialsError, NoSuchObjectError, SizeLimitExceededError, type Entry } from 'ldapts';
import { generateLdif, generatedPerson, ldifLine } from './fixtures/ldap/generate.js';
import { OPENLDAP_FIXTURE, PERMANENTLY_LOCKED } from './fixtures/ldap/openldap.ldif.js';
import { ZIMBRA_FIXTURE } from './fixtures/ldap/zimbra.ldif.js';
import { startSlapd, withMemberOf, type Slapd } from './helpers/slapd.js';

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>, tlsOptions?: { ca: string[] }): Promise<T> {
  const client = new Client({ url, connectTimeout: 3000, timeout: 10_000, ...(tlsOptions ? { tlsOptions } : {}) });
  try {
    return await fn(client);
  } finally {
    await client.unbind().catch(() => {});
  }
}

async function canBind(url: string, dn: string, password: string): Promise<true | Error> {
  try {
    await withClient(url, (c) => c.bind(dn, password));
    return true;
  } catch (e) {
    return e as Error;
  }
}

const one = (v: Entry[string] | undefined): string | undefined => (Array.isArray(v) ? (v[0] as string | undefined) : (v as string | undefined));
const many = (v: Entry[string] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? (v as string[]) : [v as string]);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('zimbra fixture', () => {
  let ldap: Slapd;
  let ca: string;
  beforeAll(async () => {
    ldap = await startSlapd({ fixture: 'zimbra', tls: true });
    ca = readFileSync(ldap.caFile, 'utf8');
  });
  afterAll(async () => {
    await ldap?.stop();
  });

  test('the service account binds and reads every person, without userPassword', async () => {
    expect(ldap.url).toMatch(/^ldap:\/\/127\.0\.0\.1:\d+$/);
    expect(ldap.ldapsUrl).toMatch(/^ldaps:\/\/localhost:\d+$/);
    const entries = await withClient(ldap.url, async (c) => {
      await c.bind(ldap.bindDn, ldap.bindPassword);
      const r = await c.search(ldap.baseDn, { filter: '(objectClass=zimbraAccount)', attributes: ['*', 'memberOf'] });
      return r.searchEntries;
    });
    const people = Object.values(ZIMBRA_FIXTURE.people);
    expect(entries).toHaveLength(people.length);
    for (const p of people) {
      const e = entries.find((x) => one(x.uid) === p.uid);
      expect(e).toBeDefined();
      expect(e!.dn).toBe(p.dn); // escapeDnValue writes DNs the way slapd returns them
      expect(one(e!.cn)).toBe(p.cn);
      expect(one(e!.sn)).toBe(p.sn);
      expect(one(e!.givenName)).toBe(p.givenName);
      expect(one(e!.mail)).toBe(p.mail ?? undefined);
      expect(one(e!.zimbraId)).toBe(p.zimbraId);
      expect(one(e!.zimbraAccountStatus)).toBe(p.status);
      expect(many(e!.zimbraMailAlias).sort()).toEqual([...p.aliases].sort());
      expect(e!.userPassword === undefined || many(e!.userPassword).length === 0).toBe(true);
      expect(p.cn).toBe(p.cn.normalize('NFC'));
    }
    // every status is present once besides active, and the defects are there
    const statuses = people.map((p) => p.status).filter((s) => s !== 'active').sort();
    expect(statuses).toEqual(['closed', 'locked', 'lockout', 'maintenance', 'pending']);
    expect(people.filter((p) => p.defect).map((p) => p.key).sort()).toEqual(['son', 'thao']);
  });

  test('a mixed-case uid and an OU with an escaped comma are found', async () => {
    await withClient(ldap.url, async (c) => {
      await c.bind(ldap.bindDn, ldap.bindPassword);
      const viet = await c.search(ldap.baseDn, { filter: '(uid=phamquocviet)', attributes: ['uid'] });
      expect(viet.searchEntries.map((e) => one(e.uid))).toEqual(['PhamQuocViet']);
      const lan = await c.search(ZIMBRA_FIXTURE.people.lan.dn, { scope: 'base', attributes: ['cn'] });
      expect(one(lan.searchEntries[0]!.cn)).toBe('Lê Thị Lan');
      const alias = await c.search(ldap.baseDn, { filter: '(zimbraMailAlias=VANTHU.STC@tinh.gov.vn)', attributes: ['uid'] });
      expect(alias.searchEntries.map((e) => one(e.uid))).toEqual(['duongdt']);
    });
  });

  test('every person binds with the right password (whatever the status) and not with a wrong one', async () => {
    for (const p of Object.values(ZIMBRA_FIXTURE.people)) {
      expect([p.key, await canBind(ldap.url, p.dn, p.password)]).toEqual([p.key, true]);
    }
    const wrong = await canBind(ldap.url, ZIMBRA_FIXTURE.people.khai.dn, 'sai-mat-khau');
    expect(wrong).toBeInstanceOf(InvalidCredentialsError);
    const unknown = await canBind(ldap.url, `uid=khongco,${ZIMBRA_FIXTURE.peopleDn}`, 'x');
    expect(unknown).toBeInstanceOf(InvalidCredentialsError);
  });

  test('anonymous reads nothing; a person reads only their own entry', async () => {
    const anon = await withClient(ldap.url, (c) => c.search(ldap.baseDn, { filter: '(uid=*)' }).then((r) => r.searchEntries.length, (e: unknown) => e));
    expect(anon === 0 || anon instanceof NoSuchObjectError).toBe(true);
    const { khai, hung } = ZIMBRA_FIXTURE.people;
    await withClient(ldap.url, async (c) => {
      await c.bind(khai.dn, khai.password);
      const self = await c.search(khai.dn, { scope: 'base', attributes: ['uid', 'userPassword'] });
      expect(one(self.searchEntries[0]!.uid)).toBe('khaintm');
      await expect(c.search(hung.dn, { scope: 'base' })).rejects.toBeInstanceOf(NoSuchObjectError);
    });
  });

  test('memberOf is present for group members, and the overlay keeps it up to date', async () => {
    const memberOf = async (dn: string) =>
      withClient(ldap.url, async (c) => {
        await c.bind(ldap.bindDn, ldap.bindPassword);
        const r = await c.search(dn, { scope: 'base', attributes: ['memberOf'] });
        return many(r.searchEntries[0]!.memberOf).sort();
      });
    const g = ZIMBRA_FIXTURE.groups;
    expect(await memberOf(ZIMBRA_FIXTURE.people.khai.dn)).toEqual([g.lanhDaoSo.dn]);
    expect(await memberOf(ZIMBRA_FIXTURE.people.duong.dn)).toEqual([g.vanThu.dn]);
    expect(await memberOf(ZIMBRA_FIXTURE.people.tuan.dn)).toEqual([]);
    await ldap.ldapModify([ldifLine('dn', g.vanThu.dn), 'changetype: modify', 'add: member', ldifLine('member', ZIMBRA_FIXTURE.people.khai.dn), ''].join('\n'));
    expect(await memberOf(ZIMBRA_FIXTURE.people.khai.dn)).toEqual([g.lanhDaoSo.dn, g.vanThu.dn].sort());
  });

  test('LDAPS with the test CA, on localhost and 127.0.0.1', async () => {
    const who = await withClient(ldap.ldapsUrl, async (c) => {
      await c.bind(ldap.bindDn, ldap.bindPassword);
      return c.exop('1.3.6.1.4.1.4203.1.11.3');
    }, { ca: [ca] });
    expect(who.value).toBe(`dn:${ldap.bindDn}`);
    const byIp = ldap.ldapsUrl.replace('localhost', '127.0.0.1');
    await withClient(byIp, (c) => c.bind(ldap.bindDn, ldap.bindPassword), { ca: [ca] });
  });

  test('StartTLS on the plain port with the test CA', async () => {
    await withClient(ldap.url, async (c) => {
      await c.startTLS({ ca: [ca] });
      await c.bind(ldap.bindDn, ldap.bindPassword);
      const r = await c.search(ldap.baseDn, { filter: '(uid=khaintm)', attributes: ['cn'] });
      expect(one(r.searchEntries[0]!.cn)).toBe('Nguyễn Thị Minh Khai');
    });
  });

  test('without the CA, LDAPS and StartTLS are refused (self-signed)', async () => {
    await expect(withClient(ldap.ldapsUrl, (c) => c.bind(ldap.bindDn, ldap.bindPassword))).rejects.toThrow(/certificate|self.signed|verify/i);
    await expect(withClient(ldap.url, (c) => c.startTLS({}))).rejects.toThrow(/certificate|self.signed|verify/i);
  });
});

describe('openldap fixture (ppolicy)', () => {
  let ldap: Slapd;
  beforeAll(async () => {
    ldap = await startSlapd({ fixture: 'openldap' });
  });
  afterAll(async () => {
    await ldap?.stop();
  });

  test('the service account reads people with entryUUID, memberOf and pwdAccountLockedTime', async () => {
    expect(ldap.ldapsUrl).toBe('');
    expect(ldap.caFile).toBe('');
    const entries = await withClient(ldap.url, async (c) => {
      await c.bind(ldap.bindDn, ldap.bindPassword);
      const r = await c.search(ldap.baseDn, { filter: '(objectClass=inetOrgPerson)', attributes: ['*', 'entryUUID', 'memberOf', 'pwdAccountLockedTime'] });
      return r.searchEntries;
    });
    const people = Object.values(OPENLDAP_FIXTURE.people);
    expect(entries).toHaveLength(people.length);
    for (const p of people) {
      const e = entries.find((x) => one(x.uid) === p.uid)!;
      expect(one(e.entryUUID)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(e.zimbraId).toBeUndefined();
      expect(many(e.memberOf).length).toBe(p.groups.length);
      expect(one(e.pwdAccountLockedTime)).toBe(p.status === 'locked' ? PERMANENTLY_LOCKED : undefined);
    }
  });

  test('binds: the locked person is refused even with the right password', async () => {
    for (const p of Object.values(OPENLDAP_FIXTURE.people)) {
      const r = await canBind(ldap.url, p.dn, p.password);
      if (p.bindSucceeds) expect([p.key, r]).toEqual([p.key, true]);
      else expect(r).toBeInstanceOf(InvalidCredentialsError);
    }
    expect(OPENLDAP_FIXTURE.people.tuan.bindSucceeds).toBe(false);
  });

  test('five wrong passwords lock the account (pwdMaxFailure 5)', async () => {
    const anh = OPENLDAP_FIXTURE.people.anh;
    for (let i = 0; i < 5; i++) expect(await canBind(ldap.url, anh.dn, `sai-${i}`)).toBeInstanceOf(InvalidCredentialsError);
    expect(await canBind(ldap.url, anh.dn, anh.password)).toBeInstanceOf(InvalidCredentialsError);
    const locked = await withClient(ldap.url, async (c) => {
      await c.bind(ldap.bindDn, ldap.bindPassword);
      const r = await c.search(anh.dn, { scope: 'base', attributes: ['pwdAccountLockedTime'] });
      return one(r.searchEntries[0]!.pwdAccountLockedTime);
    });
    expect(locked).toMatch(/^\d{14}(\.\d+)?Z$/);
  });
});

describe('size limit and paging (1,200 generated entries)', () => {
  const N = 1200;
  let ldap: Slapd;
  beforeAll(async () => {
    ldap = await startSlapd({ fixture: 'zimbra', extraLdif: generateLdif(N) });
  });
  afterAll(async () => {
    await ldap?.stop();
  });

  test('a plain search stops at 500 (SizeLimitExceeded); a paged one returns everything', async () => {
    const total = N + Object.keys(ZIMBRA_FIXTURE.people).length;
    await withClient(ldap.url, async (c) => {
      await c.bind(ldap.bindDn, ldap.bindPassword);
      await expect(c.search(ldap.baseDn, { filter: '(objectClass=zimbraAccount)', attributes: ['uid'] })).rejects.toBeInstanceOf(SizeLimitExceededError);
      const r = await c.search(ldap.baseDn, { filter: '(objectClass=zimbraAccount)', attributes: ['uid'], paged: { pageSize: 200 } });
      expect(r.searchEntries).toHaveLength(total);
      expect(new Set(r.searchEntries.map((e) => one(e.uid)?.toLowerCase())).size).toBe(total);
    });
  });

  test('generated people are deterministic, bind, and carry memberOf', async () => {
    expect(generatedPerson(777)).toEqual(generatedPerson(777));
    expect(generateLdif(50)).toBe(generateLdif(50));
    const p = generatedPerson(777);
    expect(await canBind(ldap.url, p.dn, p.password)).toBe(true);
    const leader = Array.from({ length: N }, (_, i) => generatedPerson(i)).find((x) => x.groupDns.length > 0)!;
    const memberOf = await withClient(ldap.url, async (c) => {
      await c.bind(ldap.bindDn, ldap.bindPassword);
      const r = await c.search(leader.dn, { scope: 'base', attributes: ['memberOf', 'zimbraId'] });
      expect(one(r.searchEntries[0]!.zimbraId)).toBe(leader.zimbraId);
      return many(r.searchEntries[0]!.memberOf);
    });
    expect(memberOf.sort()).toEqual([...leader.groupDns].sort());
  });

  test('withMemberOf resolves groups given in extra LDIF', () => {
    const out = withMemberOf(
      'version: 1\n\ndn: uid=a,dc=x\nobjectClass: person\n\ndn:: Y249TMOjbmggxJHhuqFvLGRjPXg=\nobjectClass: groupOfNames\nmember: UID=A, dc=x\n',
    );
    expect(out).toContain('uid=a,dc=x\nobjectClass: person\nmemberOf:: Y249TMOjbmggxJHhuqFvLGRjPXg=');
    expect(out).not.toContain('version');
  });
});

describe('lifecycle', () => {
  test('restart keeps data and ports; stop leaves no process and no directory', async () => {
    const ldap = await startSlapd({ fixture: 'openldap', tls: true });
    const { url, ldapsUrl, dir } = ldap;
    const firstPid = ldap.pid;
    expect(alive(firstPid)).toBe(true);
    await ldap.ldapModify(
      [
        `dn: uid=moi,${OPENLDAP_FIXTURE.peopleDn}`,
        'objectClass: inetOrgPerson',
        'uid: moi',
        'cn: Người Mới',
        'sn: Mới',
        'userPassword: moi-2024',
        '',
      ].join('\n'),
    );
    await ldap.restart();
    expect(ldap.url).toBe(url);
    expect(ldap.ldapsUrl).toBe(ldapsUrl);
    expect(ldap.pid).not.toBe(firstPid);
    expect(alive(firstPid)).toBe(false);
    expect(await canBind(url, `uid=moi,${OPENLDAP_FIXTURE.peopleDn}`, 'moi-2024')).toBe(true);
    const ca = readFileSync(ldap.caFile, 'utf8');
    await withClient(ldapsUrl, (c) => c.bind(ldap.bindDn, ldap.bindPassword), { ca: [ca] });

    const pid = ldap.pid;
    await ldap.stop();
    expect(() => process.kill(pid, 0)).toThrow();
    expect(existsSync(dir)).toBe(false);
    await ldap.stop(); // idempotent
  });
});
