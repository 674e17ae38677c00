/**
 * Texts of the other second factors on the login's second step (src/interaction/second-factor-methods.ts):
 * a security key or passkey, the digital-signature certificate. Typed like ./console.ts.
 */
import type { Locale } from './locales.js';

const vi = {
  'mfa.method.securityKey': 'Dùng khóa bảo mật hoặc passkey',
  'mfa.method.securityKeyIntro': 'Hoặc dùng khóa bảo mật hay passkey đã đăng ký cho tài khoản này.',
  'mfa.method.certificate': 'Dùng chữ ký số (USB token)',
  'mfa.method.or': 'hoặc',
  'mfa.error.securityKey': 'Khóa bảo mật này không xác thực được cho tài khoản của bạn. Hãy thử lại, hoặc dùng cách khác.',
  'mfa.error.certificateAccount': 'Chứng thư số này thuộc về một tài khoản khác, không phải tài khoản bạn vừa nhập mật khẩu.',
} as const;

export type SecondFactorMethodKey = keyof typeof vi;

const en: Record<SecondFactorMethodKey, string> = {
  'mfa.method.securityKey': 'Use a security key or passkey',
  'mfa.method.securityKeyIntro': 'Or use a security key or passkey registered for this account.',
  'mfa.method.certificate': 'Use the digital-signature certificate (USB token)',
  'mfa.method.or': 'or',
  'mfa.error.securityKey': 'This security key could not be verified for your account. Try again, or use another way.',
  'mfa.error.certificateAccount': 'This certificate belongs to another account than the one whose password you just typed.',
};

export const secondFactorMethodMessages: Readonly<Record<Locale, Readonly<Record<SecondFactorMethodKey, string>>>> = { vi, en };
