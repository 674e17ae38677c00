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
  'saml.error.logout': 'Yêu cầu đăng xuất từ ứng dụng không hợp lệ hoặc đã hết hạn. Phiên đăng nhập chưa được kết thúc.',
  'saml.logout.title': 'Đã đăng xuất',
  'saml.console.title': 'Ứng dụng SAML',
  'saml.console.intro': 'Các ứng dụng đăng nhập bằng SAML 2.0. Đăng ký, sửa và xóa bằng lệnh sso saml trên máy chủ; ai được sử dụng và trang chủ của ứng dụng được đặt ở trang ứng dụng liên kết.',
  'saml.console.values': 'Thông số cấu hình cho ứng dụng',
  'saml.console.metadata': 'Metadata của IdP',
  'saml.console.entityId': 'Entity ID của IdP',
  'saml.console.sso': 'Địa chỉ đăng nhập (HTTP-Redirect, HTTP-POST)',
  'saml.console.caption': 'Các ứng dụng SAML đã đăng ký',
  'saml.console.name': 'Tên',
  'saml.console.spEntityId': 'Entity ID của ứng dụng',
  'saml.console.status': 'Trạng thái',
  'saml.console.nameid': 'Định danh (NameID)',
  'saml.console.attributes': 'Thuộc tính được gửi',
  'saml.console.acs': 'Địa chỉ nhận kết quả (ACS)',
  'saml.console.client': 'Quyền sử dụng, trang chủ',
  'saml.console.none': 'Chưa có ứng dụng SAML nào. Đăng ký bằng: sso saml add ID --metadata TỆP',
  'saml.console.link': 'Ứng dụng SAML',
};

export type SamlKey = keyof typeof vi;

const en: Record<SamlKey, string> = {
  'saml.post.title': 'Going to the application',
  'saml.post.lead': 'Signing in to {app}…',
  'saml.post.continue': 'Continue',
  'saml.error.request': 'The application\'s sign-in request is not valid or has expired. Open the application again and retry.',
  'saml.error.unknownApp': 'The application that sent the sign-in request is not registered with the single sign-on service.',
  'saml.error.expired': 'The sign-in to the application has expired. Open the application again and retry.',
  'saml.error.logout': 'The logout request from the application is not valid or has expired. The session has not been ended.',
  'saml.logout.title': 'Logged out',
  'saml.console.title': 'SAML applications',
  'saml.console.intro': 'Applications that sign in with SAML 2.0. Register, change and delete them with sso saml on the server; who may use one and its home page are set on its linked application page.',
  'saml.console.values': 'Values to configure in the application',
  'saml.console.metadata': 'IdP metadata',
  'saml.console.entityId': 'IdP entity ID',
  'saml.console.sso': 'Sign-in address (HTTP-Redirect, HTTP-POST)',
  'saml.console.caption': 'Registered SAML applications',
  'saml.console.name': 'Name',
  'saml.console.spEntityId': 'Application entity ID',
  'saml.console.status': 'Status',
  'saml.console.nameid': 'Identifier (NameID)',
  'saml.console.attributes': 'Attributes released',
  'saml.console.acs': 'Assertion consumer service (ACS)',
  'saml.console.client': 'Who may use it, home page',
  'saml.console.none': 'No SAML application yet. Register one with: sso saml add ID --metadata FILE',
  'saml.console.link': 'SAML applications',
};

export const samlMessages: Readonly<Record<Locale, Readonly<Record<SamlKey, string>>>> = Object.freeze({ vi: Object.freeze(vi), en: Object.freeze(en) });
