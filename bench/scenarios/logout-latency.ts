/**
 * Directory change -> logout token delivered, with default settings (SYNC_INTERVAL 5 s): a
 * person logs in to an application with a back-channel logout endpoint (a real receiver on
 * loopback), then the mailbox is closed in slapd; the time is from the change written in the
 * directory to the logout token arriving at the application. Several repetitions, each with
 * its own person; median and max. Target: at most 15 s.
 */
import { Browser } from '../../test/helpers/browser.js';
import { logoutReceiver, submitLogin } from '../../test/helpers/rp.js';
import { startSlapd } from '../../test/helpers/slapd.js';
import { generateLdif, generatedPerson, MAIL_DOMAIN } from '../../test/fixtures/ldap/generate.js';
import { emit } from '../lib/report.js';
import { progress, QUICK, sleep } from '../lib/env.js';
import { startIdp } from '../lib/processes.js';
import { freshDatabase, withServices } from '../lib/setup.js';
import { median, round } from '../lib/stats.js';

const REPS = QUICK ? 1 : 6;
const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const TARGET_S = 15;

const slapd = await startSlapd({ fixture: 'zimbra', extraLdif: generateLdif(40) });
const receiver = await logoutReceiver();
const db = await freshDatabase('sqlite');
const people = Array.from({ length: 40 }, (_, i) => generatedPerson(i)).filter((p) => p.status === 'active');
const seconds: number[] = [];
const notes: string[] = [];
try {
  const client = await withServices(db.url, async (s) => {
    const { client: c } = await s.clients.add({ name: 'Bench app', type: 'web', redirectUris: [REDIRECT_URI], firstParty: true, backchannelLogoutUri: receiver.url, id: 'bench-app' });
    return c.client_id;
  });
  // default sync settings: nothing about SYNC_* is set
  const idp = await startIdp({
    databaseUrl: db.url,
    env: { LDAP_URL: slapd.url, LDAP_BIND_DN: slapd.bindDn, LDAP_BIND_PASSWORD: slapd.bindPassword, LDAP_BASE_DN: slapd.baseDn, LDAP_PRESET: 'zimbra', LDAP_MAIL_DOMAINS: MAIL_DOMAIN },
  });
  try {
    for (let i = 0; i < REPS; i++) {
      const p = people[i]!;
      const b = new Browser(idp.url);
      const q = new URLSearchParams({ client_id: client, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI, state: `s${i}` });
      const page = await b.go(`/auth?${q}`);
      const back = await submitLogin(b, page.html, p.login, p.password);
      if (!back.leftTo?.includes('code=')) throw new Error(`login of ${p.login} did not come back with a code`);
      // the change lands at a random point of the sync cycle, as in life
      await sleep(Math.random() * 5000);
      const before = receiver.tokens.length;
      const t0 = performance.now();
      await slapd.ldapModify(`dn: ${p.dn}\nchangetype: modify\nreplace: zimbraAccountStatus\nzimbraAccountStatus: closed\n`);
      const got = await receiver.waitFor(before + 1, 60_000);
      if (got.length <= before) throw new Error(`no logout token for ${p.login} within 60 s`);
      const s = (performance.now() - t0) / 1000;
      seconds.push(s);
      progress(`repetition ${i + 1}: ${s.toFixed(2)} s`);
    }
  } finally {
    await idp.stop();
  }
} finally {
  await receiver.close();
  await db.drop();
  await slapd.stop();
}

notes.push(`${REPS} repetitions, each a different person, the change made at a random moment of the 5 s sync cycle; times: ${seconds.map((s) => s.toFixed(2)).join(', ')} s.`);
notes.push('Path: slapd change -> next changed-only sync (SYNC_INTERVAL 5 s; modifyTimestamp has a resolution of one second) -> account disabled, sessions and tokens deleted in one transaction -> logout token queued and delivered at once.');
const med = round(median(seconds));
const max = round(Math.max(...seconds));
emit({
  scenario: 'logout-latency',
  title: 'Directory change to logout token delivered (default settings)',
  results: [
    { name: 'median', value: med, unit: 's', target: `<= ${TARGET_S} s`, met: med <= TARGET_S },
    { name: 'max', value: max, unit: 's', target: `<= ${TARGET_S} s`, met: max <= TARGET_S },
  ],
  notes,
});
