/**
 * Security notices from the product itself, to a real SMTP server (smtp-server on loopback): a
 * person who turns on an authenticator app, uses a recovery code, and whose second factor the
 * helpdesk resets (keys included) is mailed each time, in Vietnamese then English, with nothing
 * secret in the message.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { SMTPServer } from 'smtp-server';
import { generateSync } from 'otplib';
import { startTestServer, type TestServer } from './helpers/server.js';
import { freePort } from './helpers/ports.js';
import { until } from './helpers/until.js';

let smtp: SMTPServer;
let server: TestServer;
const mails: { to: string[]; data: string }[] = [];

beforeAll(async () => {
  smtp = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'], logger: false,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), data: Buffer.concat(chunks).toString('utf8') });
        cb();
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((r) => smtp.listen(port, '127.0.0.1', () => r()));
  server = await startTestServer({ SMTP_URL: `smtp://127.0.0.1:${port}`, SMTP_FROM: 'SSO <no-reply@tinh.gov.vn>' });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await new Promise<void>((r) => smtp?.close(() => r()));
});

/** A quoted-printable or base64 body read back as text (enough to find words in it). */
function text(raw: string): string {
  const qp = raw.replace(/=\r?\n/g, '').replace(/(?:=[0-9A-F]{2})+/g, (m) => Buffer.from(m.replace(/=/g, ''), 'hex').toString('utf8'));
  const b64 = [...raw.matchAll(/\r?\n\r?\n([A-Za-z0-9+/=\r\n]{40,})/g)].map((m) => Buffer.from(m[1]!.replace(/\s/g, ''), 'base64').toString('utf8')).join('\n');
  return `${qp}\n${b64}`;
}

test('an app turned on, a recovery code used, a helpdesk reset: three notices, none with a code or secret', async () => {
  const person = await server.services.accounts.addLocal({ login: 'maintt', password: 'mat-khau-rat-dai-2026', displayName: 'Trần Thị Mai', email: 'maitt@tinh.gov.vn' });
  const sf = server.services.secondFactors;
  const setup = (await sf.totpSetup(person))!;
  const code = generateSync({ secret: setup.secret, epoch: Math.floor(Date.now() / 30_000) * 30 });
  const enrolled = await sf.confirmTotp(person, { code }, { duringLogin: false, ip: '203.0.113.9' });
  expect(enrolled.kind).toBe('enrolled');
  const first = await until('the enrolment notice', () => mails[0]);
  expect(first.to).toEqual(['maitt@tinh.gov.vn']);
  expect(text(first.data)).toContain('203.0.113.9');
  expect(text(first.data)).toContain('ứng dụng xác thực');
  expect(text(first.data)).toContain('an authenticator app');

  const recovery = enrolled.kind === 'enrolled' ? enrolled.recoveryCodes[0]! : '';
  expect((await sf.verify(person, recovery, { ip: '203.0.113.10' })).kind).toBe('ok');
  const second = await until('the recovery-code notice', () => mails[1]);
  expect(text(second.data)).toContain('mã khôi phục');
  expect(text(second.data)).toContain('9 unused codes are left');

  expect(await sf.reset(person, 'helpdesk.officer')).toEqual({ hadFactor: true });
  const third = await until('the reset notice', () => mails[2]);
  expect(text(third.data)).toContain('bộ phận hỗ trợ đặt lại');

  for (const m of mails) {
    for (const secret of [setup.secret, code, recovery, recovery.replace('-', '')]) expect(text(m.data)).not.toContain(secret);
  }
});
