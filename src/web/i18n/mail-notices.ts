/**
 * Texts of the security notices mailed to a person (src/mail/notices.ts): a second factor
 * enrolled or removed on their account, a recovery code used. Each notice carries both
 * languages, Vietnamese first. Typed like ./console.ts.
 */
import type { Locale } from './locales.js';

const vi = {
  'mail.greeting': 'Kính gửi {name},',
  'mail.enrolled.subject': 'Tài khoản của bạn vừa có thêm một cách xác thực thứ hai',
  'mail.enrolled.body': 'Lúc {time}, {method} đã được đăng ký cho tài khoản {login} từ địa chỉ {ip}.',
  'mail.removed.subject': 'Cách xác thực thứ hai của tài khoản bạn vừa bị gỡ',
  'mail.removed.body': 'Lúc {time}, {method} đã được gỡ khỏi tài khoản {login} từ địa chỉ {ip}.',
  'mail.recoveryUsed.subject': 'Một mã khôi phục của tài khoản bạn vừa được dùng',
  'mail.recoveryUsed.body': 'Lúc {time}, một mã khôi phục đã được dùng để đăng nhập tài khoản {login} từ địa chỉ {ip}. Còn {left} mã chưa dùng.',
  'mail.ifNotYou': 'Nếu không phải bạn làm việc này, hãy đổi mật khẩu thư điện tử ngay và báo cho bộ phận hỗ trợ.',
  'mail.helpdesk': 'Bộ phận hỗ trợ: {contact}',
  'mail.review': 'Xem và quản lý các cách đăng nhập của bạn tại: {url}',
  'mail.unknownAddress': 'không rõ',
  'mail.method.totp': 'ứng dụng xác thực (mã 6 số)',
  'mail.method.webauthn': 'khóa bảo mật hoặc passkey',
  'mail.method.webauthnNamed': 'khóa bảo mật hoặc passkey "{name}"',
  'mail.method.recoveryCodes': 'bộ mã khôi phục mới',
  'mail.method.certificate': 'chứng thư số',
  'mail.method.all': 'mọi cách xác thực thứ hai (bộ phận hỗ trợ đặt lại)',
  'mail.footer': 'Thư này được gửi tự động, vui lòng không trả lời.',
} as const;

export type MailNoticeKey = keyof typeof vi;

const en: Record<MailNoticeKey, string> = {
  'mail.greeting': 'Dear {name},',
  'mail.enrolled.subject': 'A second factor was added to your account',
  'mail.enrolled.body': 'At {time}, {method} was registered for the account {login} from the address {ip}.',
  'mail.removed.subject': 'A second factor was removed from your account',
  'mail.removed.body': 'At {time}, {method} was removed from the account {login} from the address {ip}.',
  'mail.recoveryUsed.subject': 'A recovery code of your account was used',
  'mail.recoveryUsed.body': 'At {time}, a recovery code was used to sign in to the account {login} from the address {ip}. {left} unused codes are left.',
  'mail.ifNotYou': 'If this was not you, change your mail password now and tell the helpdesk.',
  'mail.helpdesk': 'Helpdesk: {contact}',
  'mail.review': 'See and manage how you sign in at: {url}',
  'mail.unknownAddress': 'unknown',
  'mail.method.totp': 'an authenticator app (6-digit codes)',
  'mail.method.webauthn': 'a security key or passkey',
  'mail.method.webauthnNamed': 'the security key or passkey "{name}"',
  'mail.method.recoveryCodes': 'a new set of recovery codes',
  'mail.method.certificate': 'a digital-signature certificate',
  'mail.method.all': 'every second factor (reset by the helpdesk)',
  'mail.footer': 'This message was sent automatically; please do not reply.',
};

export const mailNoticeMessages: Readonly<Record<Locale, Readonly<Record<MailNoticeKey, string>>>> = { vi, en };
