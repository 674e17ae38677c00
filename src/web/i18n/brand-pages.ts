/**
 * Texts the province's brand and the error pages' ways on add to the login pages: the link to
 * change a mail password, what to do after each kind of failure, and the links that lead on.
 * Vietnamese first, English second; typed like ./console-throttle.ts (a missing or extra English
 * key is a compile error). Looked up through ./index.ts with the other catalogues.
 */
import type { Locale } from './locales.js';

const vi = {
  'login.passwordHelp': 'Quên mật khẩu? Đổi mật khẩu thư điện tử',
  'next.heading': 'Bạn có thể làm gì',
  'next.badRequest': 'Hãy quay lại ứng dụng bạn đang dùng và thực hiện lại từ đầu.',
  'next.forbidden': 'Hãy đăng nhập lại. Nếu vẫn không được, hãy liên hệ bộ phận hỗ trợ.',
  'next.notFound': 'Hãy kiểm tra lại địa chỉ trang, hoặc mở ứng dụng từ đường dẫn cơ quan đã cung cấp.',
  'next.tooMany': 'Hãy chờ vài phút rồi đăng nhập lại. Nếu vẫn không được, hãy liên hệ bộ phận hỗ trợ.',
  'next.unavailable': 'Hãy chờ vài phút rồi thử lại. Nếu sự cố kéo dài, hãy liên hệ bộ phận hỗ trợ và cho biết mã lỗi trên trang này.',
  'next.expired': 'Để bảo đảm an toàn, trang đăng nhập chỉ dùng được trong một thời gian ngắn. Hãy đăng nhập lại.',
  'next.badClient': 'Ứng dụng đã chuyển bạn tới đây với thông tin chưa được đăng ký. Đây không phải lỗi của bạn: hãy báo cho bộ phận hỗ trợ tên ứng dụng và mã lỗi trên trang này.',
  'next.loggedOut': 'Để tiếp tục làm việc, hãy đăng nhập lại.',
  'next.back': 'Quay lại {client}',
  'next.startOver': 'Đăng nhập lại',
};

type BrandPagesKey = keyof typeof vi;

const en: Record<BrandPagesKey, string> = {
  'login.passwordHelp': 'Forgot your password? Change your mail password',
  'next.heading': 'What you can do',
  'next.badRequest': 'Go back to the application you were using and start again.',
  'next.forbidden': 'Sign in again. If that does not work, contact the helpdesk.',
  'next.notFound': 'Check the address of the page, or open the application from the link your office gave you.',
  'next.tooMany': 'Wait a few minutes, then sign in again. If that does not work, contact the helpdesk.',
  'next.unavailable': 'Wait a few minutes, then try again. If the problem lasts, contact the helpdesk and quote the error code on this page.',
  'next.expired': 'For your safety, a sign-in page can only be used for a short time. Please sign in again.',
  'next.badClient': 'The application sent you here with details that are not registered. This is not your fault: tell the helpdesk the name of the application and the error code on this page.',
  'next.loggedOut': 'To go on working, sign in again.',
  'next.back': 'Back to {client}',
  'next.startOver': 'Sign in again',
};

export type { BrandPagesKey };

export const brandPagesMessages: Readonly<Record<Locale, Readonly<Record<BrandPagesKey, string>>>> = Object.freeze({
  vi: Object.freeze({ ...vi }),
  en: Object.freeze({ ...en }),
});
