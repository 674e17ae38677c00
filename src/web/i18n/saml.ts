/**
 * Texts of the SAML identity provider (src/saml/): the page that posts the Response to the
 * application, the refusals a person may see, (the audit events' labels are in ./labels.ts). Vietnamese first,
 * English second (a missing or extra English key is a compile error).
 */
import type { Locale } from './locales.js';

const vi = {
  'saml.post.title': 'Đang chuyển tới ứng dụng',
  'saml.post.lead': 'Đang đăng nhập vào {app}…',
  'saml.post.continue': 'Tiếp tục',
  'saml.error.request': 'Yêu cầu đăng nhập từ ứng dụng không hợp lệ hoặc đã hết hạn. Hãy mở lại ứng dụng và thử lại.',
  'saml.error.unknownApp': 'Ứng dụng gửi yêu cầu đăng nhập chưa được đăng ký với hệ thống đăng nhập một lần.',
  'saml.error.expired': 'Phiên đăng nhập vào ứng dụng đã hết hạn. Hãy mở lại ứng dụng và thử lại.',
};

export type SamlKey = keyof typeof vi;

const en: Record<SamlKey, string> = {
  'saml.post.title': 'Going to the application',
  'saml.post.lead': 'Signing in to {app}…',
  'saml.post.continue': 'Continue',
  'saml.error.request': 'The application\'s sign-in request is not valid or has expired. Open the application again and retry.',
  'saml.error.unknownApp': 'The application that sent the sign-in request is not registered with the single sign-on service.',
  'saml.error.expired': 'The sign-in to the application has expired. Open the application again and retry.',
};

export const samlMessages: Readonly<Record<Locale, Readonly<Record<SamlKey, string>>>> = Object.freeze({ vi: Object.freeze(vi), en: Object.freeze(en) });
