/**
 * Security notices by mail: SMTP_URL's parsing, and notices delivered to a real SMTP server
 * (smtp-server, with STARTTLS under the test CA and a required login), in both languages, with
 * nothing secret in them; a server that is down or offers no STARTTLS when it is required is
 * logged and reported, never thrown.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { mailSettings } from '../src/config/mail.js';
import { createMailer } from '../src/mail/mailer.js';
import { createSecurityNotices } from '../src/mail/notices.js';
import { createLogger } from '../src/util/logger.js';
import { freePort } from './helpers/ports.js';
import { testTls } from './helpers/slapd.js';

describe('SMTP_URL', () => {
  const parse = (env: Record<string, string>) => {
    const problems: string[] = [];
    return { s: mailSettings(env, 'sso.tinh.gov.vn', problems), problems };
  };
  test('unset: no mail; SMTP_FROM or SMTP_CA_FILE alone is a mistake', () => {
    expect(parse({})).toEqual({ s: undefined, problems: [] });
    expect(parse({ SMTP_FROM: 'a@b.vn' }).problems).toEqual(['SMTP_FROM: set without SMTP_URL']);
    expect(parse({ SMTP_CA_FILE: '/x' }).problems).toEqual(['SMTP_CA_FILE: set without SMTP_URL']);
  });
  test('smtp and smtps, ports, credentials kept out of what is shown', () => {
    const { s, problems } = parse({ SMTP_URL: 'smtp://sso%40tinh.gov.vn:p%3Ass@mail.tinh.gov.vn:587?starttls=required' });
    expect(problems).toEqual([]);
    expect(s).toMatchObject({ host: 'mail.tinh.gov.vn', port: 587, secure: false, requireStartTls: true, auth: { user: 'sso@tinh.gov.vn', pass: 'p:ss' }, from: 'no-reply@sso.tinh.gov.vn', display: 'smtp://mail.tinh.gov.vn:587' });
    expect(parse({ SMTP_URL: 'smtps://mail.tinh.gov.vn' }).s).toMatchObject({ port: 465, secure: true, auth: undefined });
    expect(parse({ SMTP_URL: 'smtp://mail.tinh.gov.vn', SMTP_FROM: 'Đăng nhập một lần <no-reply@tinh.gov.vn>' }).s?.from).toBe('Đăng nhập một lần <no-reply@tinh.gov.vn>');
  });
  test('anything else is refused with the forms that work', () => {
    for (const bad of ['http://mail.tinh.gov.vn', 'smtp://', 'smtp://mail.tinh.gov.vn/x', 'smtp://mail.tinh.gov.vn?tls=no', 'not a url']) {
      expect(parse({ SMTP_URL: bad }).problems[0]).toMatch(/^SMTP_URL: must be smtp:\/\//);
    }
    expect(parse({ SMTP_URL: 'smtps://m.vn?starttls=required' }).problems).toEqual(['SMTP_URL: ?starttls=required is for smtp:// (smtps:// is TLS from the start)']);
    expect(parse({ SMTP_URL: 'smtp://m.vn', SMTP_FROM: 'x\ny@z.vn' }).problems[0]).toMatch(/^SMTP_FROM:/);
  });
});

interface Delivered { from: string; to: string[]; user: string | undefined; data: string }

function lines() {
  const out: string[] = [];
  const sink = new Writable({ write(chunk, _e, cb) { out.push(String(chunk)); cb(); } });
  return { out, logger: createLogger('info', sink) };
}

describe('notices delivered to a real SMTP server', () => {
  let server: SMTPServer;
  let plain: SMTPServer;
  let port: number;
  let plainPort: number;
  let caFile: string;
  const delivered: Delivered[] = [];

  beforeAll(async () => {
    const tls = await testTls();
    caFile = tls.caFile;
    const [key, cert] = await Promise.all([readFile(tls.keyFile), readFile(tls.certFile)]);
    const onData: SMTPServerOptions['onData'] = (stream, session, cb) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        delivered.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), user: session.user as string | undefined, data: Buffer.concat(chunks).toString('utf8') });
        cb();
      });
    };
    server = new SMTPServer({
      key, cert, authMethods: ['PLAIN', 'LOGIN'], logger: false,
      onAuth: (auth, _s, cb) => (auth.username === 'sso@tinh.gov.vn' && auth.password === 'mật-khẩu' ? cb(null, { user: auth.username }) : cb(new Error('Invalid username or password'))),
      onData,
    });
    plain = new SMTPServer({ disabledCommands: ['STARTTLS', 'AUTH'], logger: false, onData });
    port = await freePort();
    plainPort = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    await new Promise<void>((r) => plain.listen(plainPort, '127.0.0.1', () => r()));
  });
  afterAll(async () => {
    await new Promise<void>((r) => server?.close(() => r()));
    await new Promise<void>((r) => plain?.close(() => r()));
  });

  const person = { login: 'an.nv@tinh.gov.vn', displayName: 'Nguyễn Văn An', email: 'an.nv@tinh.gov.vn' };
  const at = new Date('2026-12-08T02:30:00Z');

  test('an enrolment notice, over STARTTLS with a login, in Vietnamese then English', async () => {
    const problems: string[] = [];
    const settings = mailSettings({ SMTP_URL: `smtp://sso%40tinh.gov.vn:m%E1%BA%ADt-kh%E1%BA%A9u@localhost:${port}?starttls=required`, SMTP_CA_FILE: caFile }, 'sso.tinh.gov.vn', problems);
    expect(problems).toEqual([]);
    const { out, logger } = lines();
    const mailer = createMailer(settings, logger);
    const notices = createSecurityNotices(mailer, { issuer: 'https://sso.tinh.gov.vn', helpdesk: 'Phòng CNTT – 0228 3xxx xxx' });
    try {
      expect(await notices.send(person, { kind: 'enrolled', method: 'webauthn', name: 'Khóa USB\r\nBcc: x@y.vn' }, { at, ip: '203.0.113.7' })).toBe(true);
    } finally {
      mailer.close();
    }
    const m = delivered.at(-1)!;
    expect(m).toMatchObject({ from: 'no-reply@sso.tinh.gov.vn', to: ['an.nv@tinh.gov.vn'], user: 'sso@tinh.gov.vn' });
    const text = m.data.replace(/=\r?\n/g, '');
    expect(m.data).toMatch(/^Subject: =\?UTF-8\?/m);
    expect(m.data).not.toMatch(/^Bcc:/m);
    for (const s of ['Nguy', '203.0.113.7', '08/12/2026 09:30', 'https://sso.tinh.gov.vn/account', 'Phòng CNTT', 'If this was not you']) {
      expect(Buffer.from(text.replace(/=([0-9A-F]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8')).toContain(s);
    }
    expect(out.join('')).toContain('"event":"mail.sent"');
    expect(out.join('')).not.toContain('mật');
  });

  test('a person without an address, or no SMTP_URL: nothing is sent', async () => {
    const { logger } = lines();
    const off = createSecurityNotices(createMailer(undefined, logger), { issuer: 'https://sso.tinh.gov.vn' });
    expect(await off.send(person, { kind: 'recovery_used', left: 9 }, { at })).toBe(false);
    const mailer = createMailer(mailSettings({ SMTP_URL: `smtp://127.0.0.1:${plainPort}` }, 'sso.tinh.gov.vn', []), logger);
    const on = createSecurityNotices(mailer, { issuer: 'https://sso.tinh.gov.vn' });
    const before = delivered.length;
    expect(await on.send({ ...person, email: null }, { kind: 'recovery_used', left: 9 }, { at })).toBe(false);
    expect(await on.send(person, { kind: 'recovery_used', left: 9 }, { at })).toBe(true);
    mailer.close();
    expect(delivered.length).toBe(before + 1);
  });

  test('STARTTLS required but not offered, a wrong login, a server that is down: false and a log line, never a throw', async () => {
    const { out, logger } = lines();
    const cases = [
      `smtp://127.0.0.1:${plainPort}?starttls=required`,
      `smtp://sso%40tinh.gov.vn:sai@localhost:${port}`,
      `smtp://127.0.0.1:${await freePort()}`,
    ];
    for (const url of cases) {
      const mailer = createMailer(mailSettings({ SMTP_URL: url, SMTP_CA_FILE: url.includes('localhost') ? caFile : '' }, 'sso.tinh.gov.vn', []), logger);
      const notices = createSecurityNotices(mailer, { issuer: 'https://sso.tinh.gov.vn' });
      await expect(notices.send(person, { kind: 'removed', method: 'all' }, { at })).resolves.toBe(false);
      mailer.close();
    }
    const failed = out.filter((l) => l.includes('"event":"mail.failed"'));
    expect(failed).toHaveLength(3);
    expect(out.join('')).not.toContain('sai@');
  });
});
