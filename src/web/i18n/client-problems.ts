/**
 * The console's sentences for what is wrong with an application's form (src/clients/problems.ts
 * gives the problem's code and field): each names the form field as the form labels it, never a
 * command-line option. Vietnamese first, English second; typed like ./messages.ts. Looked up
 * through ./index.ts.
 */
import type { ClientField, ClientProblem } from '../../clients/problems.js';
import type { UriIssue } from '../../clients/redirect-uri.js';
import type { Locale } from './locales.js';

const vi = {
  'clients.field.type': 'Loại ứng dụng',
  'clients.field.client_id': 'Mã ứng dụng',
  'clients.field.name': 'Tên ứng dụng',
  'clients.field.redirect_uris': 'Địa chỉ chuyển hướng',
  'clients.field.post_logout_redirect_uris': 'Địa chỉ sau khi đăng xuất',
  'clients.field.backchannel_logout_uri': 'Địa chỉ nhận thông báo đăng xuất',
  'clients.problem.type_unknown': 'Vui lòng chọn một loại ứng dụng trong danh sách.',
  'clients.problem.id_format': 'Mã ứng dụng phải dài từ 3 đến 100 ký tự, chỉ gồm chữ cái không dấu, chữ số và các dấu . _ ~ -.',
  'clients.problem.name_length': 'Ô “{field}” phải có từ 1 đến 200 ký tự.',
  'clients.problem.service_redirects': 'Dịch vụ máy chủ không dùng địa chỉ chuyển hướng: vui lòng để trống ô “{field}”.',
  'clients.problem.redirect_required': 'Vui lòng nhập ít nhất một địa chỉ vào ô “{field}”.',
  'clients.problem.too_many_uris': 'Ô “{field}” chỉ nhận tối đa {max} địa chỉ.',
  'clients.problem.field_invalid': 'Ô “{field}” chưa hợp lệ: nội dung quá dài hoặc có ký tự không dùng được.',
  'clients.problem.uri': 'Địa chỉ {uri} trong ô “{field}” {why}.',
  'clients.uri.too_long': 'dài quá 2000 ký tự',
  'clients.uri.not_absolute': 'chưa đầy đủ (cần bắt đầu bằng https://)',
  'clients.uri.fragment': 'không được có phần sau dấu #',
  'clients.uri.credentials': 'không được chứa tên đăng nhập hoặc mật khẩu',
  'clients.uri.no_host': 'thiếu tên máy chủ',
  'clients.uri.http_not_loopback': 'phải dùng https (chỉ dùng http cho địa chỉ trên chính máy này, như localhost)',
  'clients.uri.private_scheme': 'dùng giao thức riêng “{scheme}”; giao thức riêng phải viết theo dạng tên miền đảo ngược, ví dụ vn.gov.tinh.app',
  'clients.uri.scheme': 'dùng giao thức “{scheme}”; loại ứng dụng này chỉ được dùng https (hoặc http trên chính máy này)',
} as const satisfies Record<string, string>;

export type ClientProblemKey = keyof typeof vi;

const en: Record<ClientProblemKey, string> = {
  'clients.field.type': 'Application type',
  'clients.field.client_id': 'Application id',
  'clients.field.name': 'Application name',
  'clients.field.redirect_uris': 'Redirect URIs',
  'clients.field.post_logout_redirect_uris': 'Post-logout redirect URIs',
  'clients.field.backchannel_logout_uri': 'Back-channel logout URI',
  'clients.problem.type_unknown': 'Please choose an application type from the list.',
  'clients.problem.id_format': 'The application id must be 3 to 100 characters: unaccented letters, digits and . _ ~ -.',
  'clients.problem.name_length': 'The “{field}” field must have 1 to 200 characters.',
  'clients.problem.service_redirects': 'A back-end service has no redirect URIs: please leave “{field}” empty.',
  'clients.problem.redirect_required': 'Please enter at least one address in “{field}”.',
  'clients.problem.too_many_uris': 'The “{field}” field takes at most {max} addresses.',
  'clients.problem.field_invalid': 'The “{field}” field is not valid: it is too long or holds characters that cannot be used.',
  'clients.problem.uri': 'The address {uri} in “{field}” {why}.',
  'clients.uri.too_long': 'is longer than 2000 characters',
  'clients.uri.not_absolute': 'is incomplete (it must start with https://)',
  'clients.uri.fragment': 'must not have a part after #',
  'clients.uri.credentials': 'must not contain a username or password',
  'clients.uri.no_host': 'has no host name',
  'clients.uri.http_not_loopback': 'must use https (http only for an address on this very machine, such as localhost)',
  'clients.uri.private_scheme': 'uses the private scheme “{scheme}”; a private scheme must be a reversed domain name, e.g. vn.gov.tinh.app',
  'clients.uri.scheme': 'uses the scheme “{scheme}”; this type of application may only use https (or http on this very machine)',
};

export const clientProblemMessages: Readonly<Record<Locale, Readonly<Record<ClientProblemKey, string>>>> = Object.freeze({
  vi: Object.freeze({ ...vi }),
  en: Object.freeze({ ...en }),
});

type T = (key: ClientProblemKey, params?: Record<string, string | number>) => string;

/** The form field's label. */
export function clientFieldLabel(field: ClientField, t: T): string {
  return t(`clients.field.${field}`);
}

function uriWhy(issue: UriIssue, t: T): string {
  return 'scheme' in issue ? t(`clients.uri.${issue.why}`, { scheme: issue.scheme }) : t(`clients.uri.${issue.why}`);
}

/** One problem of an application's form as a sentence naming its field. Pure. */
export function clientProblemSentence(p: ClientProblem, t: T): string {
  const field = clientFieldLabel(p.field, t);
  switch (p.code) {
    case 'uri': return t('clients.problem.uri', { uri: p.uri, field, why: uriWhy(p.issue, t) });
    case 'too_many_uris': return t('clients.problem.too_many_uris', { field, max: p.max });
    default: return t(`clients.problem.${p.code}`, { field });
  }
}
