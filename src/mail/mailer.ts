/**
 * The mail port: one message at a time to one person, through SMTP_URL (nodemailer). A message
 * that cannot be sent is logged (the server's address and the reason, never the message's
 * text or the credentials) and reported to the caller as false: a notice must never stop a
 * login or an enrolment.
 */
import { readFileSync } from 'node:fs';
import { createTransport } from 'nodemailer';
import type { MailSettings } from '../config/mail.js';
import type { Logger } from '../util/logger.js';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  /** Whether mail is configured at all (SMTP_URL). */
  readonly enabled: boolean;
  /** Sends one message; false when it could not be sent (logged), never throws. */
  send(message: MailMessage): Promise<boolean>;
  close(): void;
}

/** Bounds of one delivery: a slow or silent server gives up rather than hold anything. */
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };

export function createMailer(settings: MailSettings | undefined, logger: Logger): Mailer {
  if (!settings) {
    return { enabled: false, send: async () => false, close: () => {} };
  }
  const ca = settings.caFile ? readFileSync(settings.caFile, 'utf8') : undefined;
  const transport = createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    requireTLS: settings.requireStartTls,
    auth: settings.auth,
    ...TIMEOUTS,
    tls: { servername: settings.host, ...(ca ? { ca } : {}) },
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return {
    enabled: true,
    async send(message) {
      try {
        await transport.sendMail({ from: settings.from, to: message.to, subject: message.subject, text: message.text });
        logger.info({ event: 'mail.sent', server: settings.display }, 'mail sent');
        return true;
      } catch (err) {
        const e = err as { code?: string; responseCode?: number; message?: string };
        logger.warn({ event: 'mail.failed', server: settings.display, errorCode: e.code, responseCode: e.responseCode }, 'mail could not be sent');
        return false;
      }
    },
    close: () => transport.close(),
  };
}
