/**
 * The demo directory (development only): a real LDAP server in-process on loopback (ldapjs),
 * seeded with DEMO_PEOPLE, reached through the same ldapts connector as production. Enough
 * LDAP for the IdP: simple bind, and search with equality, presence, substring, >=, and, or, not.
 */
import { createHash, randomUUID } from 'node:crypto';
import ldap from 'ldapjs';
import { DEMO_BASE_DN, DEMO_MAIL_DOMAIN, DEMO_PEOPLE, DEMO_SERVICE_DN } from './people.js';

type Attrs = Record<string, string[]>;
interface DemoEntry { dn: string; attrs: Attrs; password?: string }

export interface DemoDirectory {
  url: string;
  baseDn: string;
  bindDn: string;
  bindPassword: string;
  /** The password of every demo person (new at each start). */
  peoplePassword: string;
  mailDomain: string;
  logins: string[];
  close(): Promise<void>;
}

/** A stable fake zimbraId from the login, so restarts keep accounts linked. */
const zimbraId = (uid: string) => {
  const h = createHash('sha256').update(`demo:${uid}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

function buildEntries(peoplePassword: string, servicePassword: string): DemoEntry[] {
  const ts = '20261101000000Z';
  const entries: DemoEntry[] = [
    { dn: DEMO_BASE_DN, attrs: { objectclass: ['domain'], dc: ['tinh'] } },
    { dn: DEMO_SERVICE_DN, attrs: { objectclass: ['person'], cn: ['sso-service'], sn: ['service'] }, password: servicePassword },
  ];
  const groups = new Map<string, string[]>();
  for (const p of DEMO_PEOPLE) {
    const dn = `uid=${p.uid},ou=${p.agency},ou=people,${DEMO_BASE_DN}`;
    const mail = `${p.uid}@${DEMO_MAIL_DOMAIN}`;
    for (const g of p.groups ?? []) groups.set(g, [...(groups.get(g) ?? []), dn]);
    entries.push({
      dn,
      password: peoplePassword,
      attrs: {
        objectclass: ['inetOrgPerson', 'zimbraAccount'],
        uid: [p.uid],
        cn: [p.cn],
        displayname: [p.cn],
        mail: [mail],
        zimbramaildeliveryaddress: [mail],
        zimbramailalias: (p.aliases ?? []).map((a) => `${a}@${DEMO_MAIL_DOMAIN}`),
        zimbraid: [zimbraId(p.uid)],
        zimbraaccountstatus: [p.status],
        title: [p.title],
        o: ['UBND tỉnh (demo)'],
        ou: [p.agency],
        telephonenumber: p.phone ? [p.phone] : [],
        memberof: (p.groups ?? []).map((g) => `cn=${g},ou=groups,${DEMO_BASE_DN}`),
        modifytimestamp: [ts],
        entryuuid: [randomUUID()],
      },
    });
  }
  for (const [g, members] of groups) entries.push({ dn: `cn=${g},ou=groups,${DEMO_BASE_DN}`, attrs: { objectclass: ['groupOfNames'], cn: [g], member: members } });
  return entries;
}

const norm = (s: string) => s.normalize('NFC').toLowerCase();
const normDn = (dn: string) => norm(dn).replace(/\s*,\s*/g, ',');

interface FilterNode { type?: string; attribute?: string; value?: unknown; filters?: FilterNode[]; clauses?: FilterNode[]; filter?: FilterNode; initial?: string; any?: string[]; final?: string; subInitial?: string; subAny?: string[]; subFinal?: string }

function values(attrs: Attrs, name: string | undefined): string[] {
  return name ? (attrs[name.toLowerCase()] ?? []) : [];
}

/** ldapjs filter tree -> match, case-insensitively. */
export function matches(f: FilterNode, attrs: Attrs): boolean {
  const kind = (f.constructor?.name ?? f.type ?? '').toLowerCase();
  const str = (v: unknown) => norm(Buffer.isBuffer(v) ? v.toString('utf8') : String(v));
  if (kind.startsWith('and')) return (f.filters ?? f.clauses ?? []).every((x) => matches(x, attrs));
  if (kind.startsWith('or')) return (f.filters ?? f.clauses ?? []).some((x) => matches(x, attrs));
  if (kind.startsWith('not')) return !matches(f.filter!, attrs);
  if (kind.startsWith('presence')) return values(attrs, f.attribute).length > 0;
  if (kind.startsWith('equality')) return values(attrs, f.attribute).some((v) => norm(v) === str(f.value));
  if (kind.startsWith('greaterthan')) return values(attrs, f.attribute).some((v) => norm(v) >= str(f.value));
  if (kind.startsWith('lessthan')) return values(attrs, f.attribute).some((v) => norm(v) <= str(f.value));
  if (kind.startsWith('substring')) {
    const ini = f.subInitial ?? f.initial;
    const any = f.subAny ?? f.any ?? [];
    const fin = f.subFinal ?? f.final;
    return values(attrs, f.attribute).some((raw) => {
      let v = norm(raw);
      if (ini) { if (!v.startsWith(norm(ini))) return false; v = v.slice(ini.length); }
      for (const a of any) { const i = v.indexOf(norm(a)); if (i < 0) return false; v = v.slice(i + a.length); }
      return fin ? v.endsWith(norm(fin)) : true;
    });
  }
  return false;
}

function inScope(dn: string, base: string, scope: string): boolean {
  const d = normDn(dn);
  const b = normDn(base);
  if (scope === 'base') return d === b;
  if (!d.endsWith(`,${b}`) && d !== b) return false;
  if (scope === 'single') return d !== b && d.slice(0, -(b.length + 1)).split(',').length === 1;
  return true;
}

export async function startDemoDirectory(opts: { port?: number } = {}): Promise<DemoDirectory> {
  const peoplePassword = `demo-${randomUUID().slice(0, 8)}`;
  const servicePassword = randomUUID();
  const entries = buildEntries(peoplePassword, servicePassword);
  const key = (dn: string) => normDn(ldap.parseDN(dn).toString());
  const byDn = new Map(entries.map((e) => [key(e.dn), e]));
  const server = ldap.createServer();
  // A malformed request closes that connection; it never takes the process down.
  server.on('error', () => undefined);

  server.bind(DEMO_BASE_DN, (req: any, res: any, next: any) => {
    const e = byDn.get(key(req.dn.toString()));
    const pw = req.credentials as string;
    if (!e || !e.password || !pw || pw !== e.password) return next(new ldap.InvalidCredentialsError());
    res.end();
    return next();
  });

  server.search(DEMO_BASE_DN, (req: any, res: any, next: any) => {
    // ldapjs compares the requested names, as sent, with lower-cased entry names: align them.
    res.attributes = (res.attributes ?? []).map((a: string) => a.toLowerCase());
    const asked: string[] = res.attributes;
    const all = asked.length === 0 || asked.includes('*');
    for (const e of entries) {
      if (!inScope(key(e.dn), key(req.dn.toString()), String(req.scopeName))) continue;
      if (!matches(req.filter, e.attrs)) continue;
      const attributes: Record<string, string[]> = {};
      if (all) for (const [k, v] of Object.entries(e.attrs)) { if (v.length) attributes[k] = v; }
      else for (const name of asked) { const v = e.attrs[name]; if (v?.length) attributes[name] = v; }
      res.send({ dn: e.dn, attributes });
    }
    res.end();
    return next();
  });

  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', () => resolve()));
  const { port } = new URL(server.url);
  return {
    url: `ldap://127.0.0.1:${port}`,
    baseDn: DEMO_BASE_DN,
    bindDn: DEMO_SERVICE_DN,
    bindPassword: servicePassword,
    peoplePassword,
    mailDomain: DEMO_MAIL_DOMAIN,
    logins: DEMO_PEOPLE.map((p) => `${p.uid} (${p.status})`),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
