/**
 * Security notices to a person, by mail where SMTP_URL is set: a second factor enrolled on
 * their account or removed from it, a recovery code used. A phished password could enrol the
 * attacker's authenticator; the notice lets the person see it at once. Sent to the account's
 * mail address, in both languages (Vietnamese first), with the time, the address it came from,
 * the helpdesk and the "my account" page. Never holds a code, a secret or a link that signs in.
 */
import { formatDateTime } from '../web/i18n/format.js';
import { translator, type TextKey, type Translator } from '../web/i18n/index.js';
import type { Mailer } from './mailer.js';

/** The person as the notice needs them. */
export interface NoticeRecipient {
  login: string;
  displayName: string | null;
  email: string | null;
}

/** What a notice is about. `name`: the authenticator's own name (a passkey's), when it has one. */
export type NoticeMethod = 'totp' | 'webauthn' | 'recovery_codes' | 'certificate' | 'all';

export type Notice =
  | { kind: 'enrolled'; method: NoticeMethod; name?: string | undefined }
  | { kind: 'removed'; method: NoticeMethod; name?: string | undefined }
  | { kind: 'recovery_used'; left: number };

export interface NoticeContext {
  at: Date;
  ip?: string | undefined;
}

export interface SecurityNotices {
  /** Mails the notice when mail is configured and the person has an address; true when sent. Never throws. */
  send(to: NoticeRecipient, notice: Notice, context: NoticeContext): Promise<boolean>;
}

const METHOD_KEY: Record<NoticeMethod, TextKey> = {
  totp: 'mail.method.totp',
  webauthn: 'mail.method.webauthn',
  recovery_codes: 'mail.method.recoveryCodes',
  certificate: 'mail.method.certificate',
  all: 'mail.method.all',
};

const SUBJECT: Record<Notice['kind'], TextKey> = { enrolled: 'mail.enrolled.subject', removed: 'mail.removed.subject', recovery_used: 'mail.recoveryUsed.subject' };
const BODY: Record<Notice['kind'], TextKey> = { enrolled: 'mail.enrolled.body', removed: 'mail.removed.body', recovery_used: 'mail.recoveryUsed.body' };

/** Control characters out of what the directory or a person named (one line each). */
const oneLine = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').trim().slice(0, 200);

function methodWords(t: Translator, notice: Notice): string {
  if (notice.kind === 'recovery_used') return '';
  if (notice.method === 'webauthn' && notice.name) return t('mail.method.webauthnNamed', { name: oneLine(notice.name) });
  return t(METHOD_KEY[notice.method]);
}

/** One language's part of the notice. Pure. */
export function noticeText(t: Translator, to: NoticeRecipient, notice: Notice, context: NoticeContext, site: { accountUrl: string; helpdesk?: string | undefined }): string {
  const params = {
    time: formatDateTime(context.at),
    method: methodWords(t, notice),
    login: oneLine(to.login),
    ip: context.ip ? oneLine(context.ip) : t('mail.unknownAddress'),
    left: notice.kind === 'recovery_used' ? notice.left : 0,
  };
  return [
    t('mail.greeting', { name: oneLine(to.displayName || to.login) }),
    '',
    t(BODY[notice.kind], params),
    t('mail.ifNotYou'),
    ...(site.helpdesk ? [t('mail.helpdesk', { contact: site.helpdesk })] : []),
    t('mail.review', { url: site.accountUrl }),
  ].join('\n');
}

/** The whole message: subject in both languages, the Vietnamese part, then the English one. Pure. */
export function noticeMessage(to: NoticeRecipient & { email: string }, notice: Notice, context: NoticeContext, site: { accountUrl: string; helpdesk?: string | undefined }) {
  const vi = translator('vi');
  const en = translator('en');
  return {
    to: to.email,
    subject: `${vi(SUBJECT[notice.kind])} / ${en(SUBJECT[notice.kind])}`,
    text: [noticeText(vi, to, notice, context, site), '', '----', '', noticeText(en, to, notice, context, site), '', vi('mail.footer'), en('mail.footer')].join('\n'),
  };
}

export function createSecurityNotices(mailer: Mailer, site: { issuer: string; helpdesk?: string | undefined }): SecurityNotices {
  const accountUrl = `${site.issuer}/account`;
  return {
    async send(to, notice, context) {
      const email = to.email?.trim();
      if (!mailer.enabled || !email || /[\s<>,;]/.test(email)) return false;
      return mailer.send(noticeMessage({ ...to, email }, notice, context, { accountUrl, helpdesk: site.helpdesk }));
    },
  };
}
