/**
 * What a person reads when oidc-provider refuses a request and draws its own error page
 * (renderError): one sentence per protocol error code ("what happened"), Vietnamese first,
 * English second. oidc-provider's own English description is never shown; the code itself is,
 * on a small "Mã lỗi: invalid_request" line for the helpdesk. Typed like ./messages.ts (a missing
 * or extra English key is a compile error). Looked up through ./index.ts.
 */
import type { Locale } from './locales.js';

const vi = {
  'error.code': 'Mã lỗi: {code}',
  'oidc.error.invalid_request': 'Ứng dụng đã gửi một yêu cầu đăng nhập không hợp lệ. Vui lòng quay lại ứng dụng và thử lại; nếu vẫn lỗi, hãy báo cho bộ phận hỗ trợ.',
  'oidc.error.invalid_client': 'Ứng dụng này chưa được đăng ký với hệ thống đăng nhập một lần hoặc đã bị tạm ngừng.',
  'oidc.error.unauthorized_client': 'Ứng dụng này không được phép đăng nhập theo cách đã yêu cầu.',
  'oidc.error.invalid_redirect_uri': 'Địa chỉ quay về mà ứng dụng yêu cầu không nằm trong danh sách đã đăng ký, nên hệ thống không chuyển bạn tới đó.',
  'oidc.error.access_denied': 'Yêu cầu truy cập đã bị từ chối.',
  'oidc.error.login_required': 'Bạn cần đăng nhập để tiếp tục.',
  'oidc.error.consent_required': 'Ứng dụng cần bạn đồng ý cấp quyền trước khi tiếp tục.',
  'oidc.error.interaction_required': 'Bạn cần thao tác thêm trên trang đăng nhập để tiếp tục.',
  'oidc.error.invalid_scope': 'Ứng dụng yêu cầu những thông tin mà hệ thống không cung cấp.',
  'oidc.error.invalid_grant': 'Lượt đăng nhập này đã hết hạn hoặc đã được dùng. Vui lòng quay lại ứng dụng và đăng nhập lại.',
  'oidc.error.invalid_token': 'Phiên đăng nhập của bạn không còn hiệu lực. Vui lòng đăng nhập lại.',
  'oidc.error.unsupported': 'Ứng dụng đã yêu cầu một cách đăng nhập mà hệ thống không hỗ trợ.',
  'oidc.error.interaction_expired': 'Trang đăng nhập đã hết hạn hoặc đã được dùng. Vui lòng quay lại ứng dụng và bắt đầu lại.',
  'oidc.error.session_not_found': 'Không tìm thấy phiên đăng nhập của bạn: có thể phiên đã kết thúc hoặc trình duyệt đã xóa cookie. Vui lòng quay lại ứng dụng và đăng nhập lại.',
  'oidc.error.logout_invalid': 'Yêu cầu đăng xuất của ứng dụng không hợp lệ. Nếu muốn đăng xuất, hãy đóng trình duyệt hoặc đăng xuất tại trang tài khoản của tôi.',
  'oidc.error.server_error': 'Hệ thống đang gặp sự cố. Vui lòng thử lại sau.',
  'oidc.error.temporarily_unavailable': 'Hệ thống tạm thời gián đoạn, vui lòng thử lại sau ít phút.',
  'oidc.error.other': 'Không thực hiện được yêu cầu của ứng dụng. Vui lòng quay lại ứng dụng và thử lại.',
} as const satisfies Record<string, string>;

export type ProtocolErrorKey = keyof typeof vi;

const en: Record<ProtocolErrorKey, string> = {
  'error.code': 'Error code: {code}',
  'oidc.error.invalid_request': 'The application sent a sign-in request that is not valid. Please go back to the application and try again; if it keeps failing, tell the helpdesk.',
  'oidc.error.invalid_client': 'This application is not registered with single sign-on, or it has been suspended.',
  'oidc.error.unauthorized_client': 'This application may not sign in the way it asked to.',
  'oidc.error.invalid_redirect_uri': 'The return address the application asked for is not one it registered, so you were not sent there.',
  'oidc.error.access_denied': 'The request for access was refused.',
  'oidc.error.login_required': 'You need to sign in to continue.',
  'oidc.error.consent_required': 'The application needs your permission before it can continue.',
  'oidc.error.interaction_required': 'You need to complete a step on the sign-in page to continue.',
  'oidc.error.invalid_scope': 'The application asked for information this service does not provide.',
  'oidc.error.invalid_grant': 'This sign-in has expired or has already been used. Please go back to the application and sign in again.',
  'oidc.error.invalid_token': 'Your sign-in is no longer valid. Please sign in again.',
  'oidc.error.unsupported': 'The application asked for a way of signing in that this service does not support.',
  'oidc.error.interaction_expired': 'The sign-in page has expired or was already used. Please go back to the application and start again.',
  'oidc.error.session_not_found': 'Your sign-in session could not be found: it may have ended, or the browser removed its cookie. Please go back to the application and sign in again.',
  'oidc.error.logout_invalid': 'The application\'s sign-out request is not valid. To sign out, close the browser or sign out on the My account page.',
  'oidc.error.server_error': 'The service ran into a problem. Please try again later.',
  'oidc.error.temporarily_unavailable': 'The service is briefly unavailable. Please try again in a few minutes.',
  'oidc.error.other': 'The application\'s request could not be completed. Please go back to the application and try again.',
};

export const protocolErrorMessages: Readonly<Record<Locale, Readonly<Record<ProtocolErrorKey, string>>>> = Object.freeze({
  vi: Object.freeze({ ...vi }),
  en: Object.freeze({ ...en }),
});

/** Codes whose sentence is the code's own key. */
const OWN: ReadonlySet<string> = new Set([
  'invalid_request', 'invalid_client', 'unauthorized_client', 'invalid_redirect_uri', 'access_denied', 'login_required',
  'consent_required', 'interaction_required', 'invalid_scope', 'invalid_grant', 'invalid_token', 'server_error', 'temporarily_unavailable',
]);

/** Codes that say the application asked for something this service does not do. */
const UNSUPPORTED: ReadonlySet<string> = new Set([
  'unsupported_response_type', 'unsupported_response_mode', 'unsupported_grant_type', 'request_not_supported',
  'request_uri_not_supported', 'registration_not_supported', 'invalid_request_uri', 'invalid_request_object', 'invalid_target',
]);

/**
 * The sentence for a protocol error a person sees: its code (`out.error`), told apart further by
 * where it happened (`route`: "end_session" for a logout request) and whether the interaction or
 * the session is gone (`gone`: the description of oidc-provider's SessionNotFound: "session not
 * found" for the session, anything else for the sign-in page's interaction). Pure.
 */
export function protocolErrorKey(code: string | undefined, opts: { route?: string | undefined; gone?: string | undefined } = {}): ProtocolErrorKey {
  if (opts.gone !== undefined) return /^session not found$/i.test(opts.gone) ? 'oidc.error.session_not_found' : 'oidc.error.interaction_expired';
  if (code === 'invalid_request' && opts.route?.startsWith('end_session')) return 'oidc.error.logout_invalid';
  if (code && OWN.has(code)) return `oidc.error.${code}` as ProtocolErrorKey;
  if (code && UNSUPPORTED.has(code)) return 'oidc.error.unsupported';
  return 'oidc.error.other';
}
