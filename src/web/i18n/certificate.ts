/**
 * Texts of the login with the government digital-signature certificate (src/certificate/): the
 * login page's button and each refusal's page, Vietnamese first, English second; typed like
 * ./launcher.ts (a missing or extra English key is a compile error). Looked up through
 * ./index.ts with the other catalogues (keys never overlap).
 */
import type { Locale } from './locales.js';

const vi = {
  'cert.signIn': 'Đăng nhập bằng chữ ký số',
  'cert.signInHint': 'Cắm thiết bị chữ ký số (USB token) vào máy trước khi bấm; trình duyệt sẽ hỏi chọn chứng thư số và mã PIN.',
  'cert.title': 'Không đăng nhập được bằng chữ ký số',
  'cert.loginPage': 'trang đăng nhập',
  'cert.error.no_certificate': 'Trình duyệt không gửi chứng thư số nào. Hãy cắm thiết bị chữ ký số (USB token), cài đặt phần mềm của nhà cung cấp, rồi thử lại và chọn chứng thư số khi trình duyệt hỏi.',
  'cert.error.untrusted_header': 'Yêu cầu không đi qua máy chủ chuyển tiếp của hệ thống nên chứng thư số không được chấp nhận. Hãy mở lại trang đăng nhập từ địa chỉ chính thức.',
  'cert.error.malformed': 'Chứng thư số gửi lên không đọc được. Hãy thử lại; nếu vẫn không được, hãy liên hệ bộ phận hỗ trợ.',
  'cert.error.foreign_ca': 'Chứng thư số này không do tổ chức cung cấp dịch vụ chứng thực mà hệ thống tin cậy cấp. Hãy dùng chứng thư số chuyên dùng do cơ quan cấp cho bạn.',
  'cert.error.expired': 'Chứng thư số này đã hết hạn. Hãy liên hệ bộ phận quản lý chữ ký số của cơ quan để gia hạn hoặc cấp mới.',
  'cert.error.not_yet_valid': 'Chứng thư số này chưa đến ngày có hiệu lực. Hãy kiểm tra ngày giờ của máy tính, hoặc thử lại khi chứng thư số có hiệu lực.',
  'cert.error.revoked': 'Chứng thư số này đã bị thu hồi và không dùng được nữa. Hãy liên hệ bộ phận quản lý chữ ký số của cơ quan.',
  'cert.error.crl_unavailable': 'Hệ thống chưa kiểm tra được chứng thư số này có bị thu hồi hay không (danh sách thu hồi chưa được cập nhật). Hãy thử lại sau hoặc đăng nhập bằng mật khẩu.',
  'cert.error.no_account': 'Chứng thư số này chưa được gắn với tài khoản nào của hệ thống. Hãy đăng nhập bằng mật khẩu, hoặc liên hệ bộ phận hỗ trợ.',
  'cert.error.ambiguous_account': 'Chứng thư số này ứng với nhiều tài khoản nên hệ thống không biết bạn là ai. Hãy liên hệ bộ phận hỗ trợ.',
  'cert.error.account_inactive': 'Tài khoản ứng với chứng thư số này đang bị khóa hoặc đã ngừng sử dụng. Hãy liên hệ bộ phận hỗ trợ.',
  'cert.error.directory_unavailable': 'Hệ thống tạm thời không tra cứu được tài khoản ứng với chứng thư số này. Hãy thử lại sau vài phút hoặc đăng nhập bằng mật khẩu.',
  'cert.error.not_first_factor': 'Ở đây chữ ký số chỉ dùng làm bước xác thực thứ hai: hãy đăng nhập bằng mật khẩu trước.',
  'cert.error.invalid': 'Kết quả kiểm tra chữ ký số không hợp lệ. Hãy đăng nhập lại từ đầu.',
  'cert.error.replayed': 'Kết quả kiểm tra chữ ký số này đã được dùng. Hãy đăng nhập lại từ đầu.',
  'cert.error.wrong_interaction': 'Kết quả kiểm tra chữ ký số không thuộc lần đăng nhập này. Hãy đăng nhập lại từ đầu.',
  'cert.error.return_expired': 'Đã quá thời gian chờ sau khi kiểm tra chữ ký số. Hãy thử lại.',
};

type CertificateKey = keyof typeof vi;

const en: Record<CertificateKey, string> = {
  'cert.signIn': 'Sign in with the digital-signature certificate',
  'cert.signInHint': 'Plug in your signature device (USB token) before you press it; the browser will ask you to choose the certificate and type its PIN.',
  'cert.title': 'Signing in with the digital signature did not work',
  'cert.loginPage': 'the sign-in page',
  'cert.error.no_certificate': "The browser sent no certificate. Plug in your signature device (USB token), install its supplier's software, then try again and choose the certificate when the browser asks.",
  'cert.error.untrusted_header': "The request did not come through the system's proxy, so the certificate is not accepted. Open the sign-in page again from its official address.",
  'cert.error.malformed': 'The certificate sent could not be read. Try again; if it still fails, contact the helpdesk.',
  'cert.error.foreign_ca': 'This certificate was not issued by a certification authority this system trusts. Use the government certificate your office issued to you.',
  'cert.error.expired': "This certificate has expired. Contact your office's digital-signature officer to renew it or get a new one.",
  'cert.error.not_yet_valid': "This certificate is not valid yet. Check your computer's date and time, or try again once the certificate is valid.",
  'cert.error.revoked': "This certificate has been revoked and can no longer be used. Contact your office's digital-signature officer.",
  'cert.error.crl_unavailable': 'The system could not check whether this certificate has been revoked (the revocation list is out of date). Try again later, or sign in with your password.',
  'cert.error.no_account': 'This certificate is not linked to any account of this system. Sign in with your password, or contact the helpdesk.',
  'cert.error.ambiguous_account': 'This certificate matches more than one account, so the system cannot tell who you are. Contact the helpdesk.',
  'cert.error.account_inactive': 'The account of this certificate is locked or no longer in use. Contact the helpdesk.',
  'cert.error.directory_unavailable': 'The system cannot look up the account of this certificate just now. Try again in a few minutes, or sign in with your password.',
  'cert.error.not_first_factor': 'Here the digital signature is only a second step: sign in with your password first.',
  'cert.error.invalid': 'The result of the certificate check is not valid. Sign in again from the start.',
  'cert.error.replayed': 'This result of the certificate check has already been used. Sign in again from the start.',
  'cert.error.wrong_interaction': 'The result of the certificate check belongs to another sign-in. Sign in again from the start.',
  'cert.error.return_expired': 'Too much time passed after the certificate was checked. Try again.',
};

export type { CertificateKey };

export const certificateMessages: Readonly<Record<Locale, Readonly<Record<CertificateKey, string>>>> = Object.freeze({
  vi: Object.freeze({ ...vi }),
  en: Object.freeze({ ...en }),
});
