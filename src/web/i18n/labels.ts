/**
 * Codes the console and "my account" show as words: a directory sync's status, an audit event's
 * type ("login.success" -> "Đăng nhập thành công") and its outcome. Vietnamese first, English
 * second; typed like ./messages.ts. Any page calls auditEventLabel(type, t) and the others; a
 * code this catalogue does not know yet reads as itself. Looked up through ./index.ts.
 */
import type { Locale } from './locales.js';

const vi = {
  'sync.status.success': 'Thành công',
  'sync.status.partial': 'Thành công một phần',
  'sync.status.refused': 'Đã dừng, không áp dụng thay đổi nào',
  'sync.status.failed': 'Không thành công',
  'sync.status.running': 'Đang chạy',

  'audit.event.login.success': 'Đăng nhập thành công',
  'audit.event.login.failure': 'Đăng nhập không thành công',
  'audit.event.consent': 'Cấp quyền cho ứng dụng',
  'audit.event.logout': 'Đăng xuất',
  'audit.event.account.created': 'Tạo tài khoản',
  'audit.event.account.password_changed': 'Đổi mật khẩu',
  'audit.event.account.status_changed': 'Khóa hoặc mở khóa tài khoản',
  'audit.event.account.disabled': 'Khóa tài khoản',
  'audit.event.account.enabled': 'Mở khóa tài khoản',
  'audit.event.account.access_ended': 'Chấm dứt quyền truy cập của tài khoản',
  'audit.event.account.admin_changed': 'Thay đổi quyền quản trị',
  'audit.event.account.admin_granted': 'Cấp quyền quản trị',
  'audit.event.account.admin_revoked': 'Thu hồi quyền quản trị',
  'audit.event.account.helpdesk_changed': 'Thay đổi quyền hỗ trợ người dùng',
  'audit.event.account.helpdesk_granted': 'Cấp quyền hỗ trợ người dùng',
  'audit.event.account.helpdesk_revoked': 'Thu hồi quyền hỗ trợ người dùng',
  'audit.event.account.session_ended': 'Kết thúc một phiên đăng nhập',
  'audit.event.account.application_revoked': 'Thu hồi quyền của một ứng dụng',
  'audit.event.account.deleted': 'Xóa tài khoản',
  'audit.event.client.created': 'Đăng ký ứng dụng',
  'audit.event.client.secret_rotated': 'Cấp mã bí mật mới cho ứng dụng',
  'audit.event.client.status_changed': 'Tạm ngừng hoặc kích hoạt lại ứng dụng',
  'audit.event.client.disabled': 'Tạm ngừng ứng dụng',
  'audit.event.client.enabled': 'Kích hoạt lại ứng dụng',
  'audit.event.client.updated': 'Sửa thông tin ứng dụng',
  'audit.event.client.deleted': 'Xóa ứng dụng',
  'audit.event.keys.created': 'Tạo khóa ký',
  'audit.event.keys.rotated': 'Thay khóa ký định kỳ',
  'audit.event.keys.revoked': 'Thu hồi khóa ký',
  'audit.event.sync.run': 'Đồng bộ thư mục',
  'audit.event.throttle.unblocked': 'Gỡ chặn đăng nhập',
  'audit.event.cert.login.success': 'Đăng nhập bằng chữ ký số',
  'audit.event.cert.login.failed': 'Đăng nhập bằng chữ ký số không thành công',
  'audit.event.webauthn.registered': 'Đăng ký khóa bảo mật hoặc passkey',
  'audit.event.webauthn.renamed': 'Đổi tên khóa bảo mật',
  'audit.event.webauthn.removed': 'Xóa khóa bảo mật hoặc passkey',
  'audit.event.webauthn.refused': 'Từ chối khóa bảo mật',
  'audit.outcome.counter_regressed': 'Bộ đếm chữ ký đi lùi (khóa bị sao chép?)',
  'audit.outcome.unknown_authenticator': 'Khóa không đăng ký hoặc đã bị xóa',
  'audit.outcome.not_yours': 'Khóa của tài khoản khác',
  'audit.outcome.not_verified': 'Chữ ký hoặc nguồn gốc không hợp lệ',
  'audit.outcome.account_inactive': 'Tài khoản không còn hoạt động',
  'audit.outcome.already_registered': 'Khóa đã được đăng ký',
  'audit.event.audit.pruned': 'Xóa bớt nhật ký cũ',
  'audit.event.access.denied': 'Từ chối truy cập ứng dụng (chính sách truy cập)',
  'audit.event.saml.sp_created': 'Đăng ký ứng dụng SAML',
  'audit.event.saml.sp_updated': 'Sửa ứng dụng SAML',
  'audit.event.saml.sp_status_changed': 'Đổi trạng thái ứng dụng SAML',
  'audit.event.saml.sp_deleted': 'Xóa ứng dụng SAML',
  'audit.event.saml.request_refused': 'Từ chối yêu cầu đăng nhập SAML',
  'audit.event.saml.response': 'Gửi kết quả đăng nhập SAML',
  'audit.event.saml.logout': 'Đăng xuất SAML từ ứng dụng',
  'audit.event.saml.logout_refused': 'Từ chối yêu cầu đăng xuất SAML',
  'audit.outcome.authorization': 'Khi đăng nhập vào ứng dụng',
  'audit.outcome.refresh': 'Khi ứng dụng gia hạn phiên',
  'audit.event.mfa.enrolled': 'Bật xác thực hai bước',
  'audit.event.mfa.verified': 'Xác thực hai bước thành công',
  'audit.event.mfa.failed': 'Xác thực hai bước không thành công',
  'audit.event.mfa.recovery_used': 'Dùng mã khôi phục',
  'audit.event.mfa.recovery_regenerated': 'Tạo mã khôi phục mới',
  'audit.event.mfa.reset': 'Đặt lại xác thực hai bước',
  'audit.event.mfa.enrol_code_issued': 'Cấp mã đăng ký xác thực hai bước',
  'audit.outcome.wrong': 'Mã không đúng',
  'audit.outcome.reused': 'Mã đã được dùng',
  'audit.outcome.enrol_code': 'Mã đăng ký không đúng',

  'audit.outcome.success': 'Thành công',
  'audit.outcome.invalid_credentials': 'Sai tên đăng nhập hoặc mật khẩu',
  'audit.outcome.disabled': 'Đã khóa',
  'audit.outcome.active': 'Đang hoạt động',
  'audit.outcome.locked': 'Tài khoản đang bị khóa tạm thời trên hệ thống thư điện tử công vụ',
  'audit.outcome.expired': 'Tài khoản đã hết hạn',
  'audit.outcome.password_expired': 'Mật khẩu đã hết hạn',
  'audit.outcome.must_change_password': 'Phải đổi mật khẩu',
  'audit.outcome.unavailable': 'Hệ thống thư điện tử công vụ không phản hồi',
  'audit.outcome.conflict': 'Tài khoản cần được kiểm tra',
  'audit.outcome.throttled': 'Tạm chặn do đăng nhập sai nhiều lần',
  'audit.outcome.granted': 'Đồng ý',
  'audit.outcome.denied': 'Từ chối',
  'audit.outcome.revoked': 'Đã thu hồi',
  'audit.outcome.unblocked': 'Đã gỡ chặn',
  'audit.outcome.partial': 'Thành công một phần',
  'audit.outcome.refused': 'Không thực hiện',
  'audit.outcome.failed': 'Không thành công',
} as const satisfies Record<string, string>;

export type LabelKey = keyof typeof vi;

const en: Record<LabelKey, string> = {
  'sync.status.success': 'Succeeded',
  'sync.status.partial': 'Partly succeeded',
  'sync.status.refused': 'Stopped, nothing applied',
  'sync.status.failed': 'Did not succeed',
  'sync.status.running': 'Running',

  'audit.event.login.success': 'Signed in',
  'audit.event.login.failure': 'Sign-in did not succeed',
  'audit.event.consent': 'Access given to an application',
  'audit.event.logout': 'Signed out',
  'audit.event.account.created': 'Account created',
  'audit.event.account.password_changed': 'Password changed',
  'audit.event.account.status_changed': 'Account disabled or enabled',
  'audit.event.account.disabled': 'Account disabled',
  'audit.event.account.enabled': 'Account enabled',
  'audit.event.account.access_ended': 'Account\'s access ended',
  'audit.event.account.admin_changed': 'Administrator rights changed',
  'audit.event.account.admin_granted': 'Administrator rights granted',
  'audit.event.account.admin_revoked': 'Administrator rights withdrawn',
  'audit.event.account.helpdesk_changed': 'Helpdesk role changed',
  'audit.event.account.helpdesk_granted': 'Helpdesk role granted',
  'audit.event.account.helpdesk_revoked': 'Helpdesk role withdrawn',
  'audit.event.account.session_ended': 'A sign-in session ended',
  'audit.event.account.application_revoked': 'An application\'s access withdrawn',
  'audit.event.account.deleted': 'Account deleted',
  'audit.event.client.created': 'Application registered',
  'audit.event.client.secret_rotated': 'New application secret issued',
  'audit.event.client.status_changed': 'Application suspended or enabled',
  'audit.event.client.disabled': 'Application suspended',
  'audit.event.client.enabled': 'Application enabled again',
  'audit.event.client.updated': 'Application settings changed',
  'audit.event.client.deleted': 'Application deleted',
  'audit.event.keys.created': 'Signing keys created',
  'audit.event.keys.rotated': 'Signing keys rotated',
  'audit.event.keys.revoked': 'Signing key withdrawn',
  'audit.event.sync.run': 'Directory sync',
  'audit.event.throttle.unblocked': 'Login block lifted',
  'audit.event.cert.login.success': 'Signed in with the digital-signature certificate',
  'audit.event.cert.login.failed': 'Signing in with the digital-signature certificate did not succeed',
  'audit.event.webauthn.registered': 'Security key or passkey registered',
  'audit.event.webauthn.renamed': 'Security key renamed',
  'audit.event.webauthn.removed': 'Security key or passkey removed',
  'audit.event.webauthn.refused': 'Security key refused',
  'audit.outcome.counter_regressed': 'Signature counter went backwards (cloned key?)',
  'audit.outcome.unknown_authenticator': 'Key not registered or removed',
  'audit.outcome.not_yours': 'Another account\'s key',
  'audit.outcome.not_verified': 'Signature or origin not valid',
  'audit.outcome.account_inactive': 'Account no longer active',
  'audit.outcome.already_registered': 'Key already registered',
  'audit.event.audit.pruned': 'Old audit entries removed',
  'audit.event.access.denied': 'Application refused (access policy)',
  'audit.event.saml.sp_created': 'SAML application registered',
  'audit.event.saml.sp_updated': 'SAML application changed',
  'audit.event.saml.sp_status_changed': 'SAML application status changed',
  'audit.event.saml.sp_deleted': 'SAML application deleted',
  'audit.event.saml.request_refused': 'SAML sign-in request refused',
  'audit.event.saml.response': 'SAML sign-in result sent',
  'audit.event.saml.logout': 'SAML logout from an application',
  'audit.event.saml.logout_refused': 'SAML logout request refused',
  'audit.outcome.authorization': 'At sign-in to the application',
  'audit.outcome.refresh': 'At the application\'s token refresh',
  'audit.event.mfa.enrolled': 'Two-step verification turned on',
  'audit.event.mfa.verified': 'Two-step verification passed',
  'audit.event.mfa.failed': 'Two-step verification failed',
  'audit.event.mfa.recovery_used': 'Recovery code used',
  'audit.event.mfa.recovery_regenerated': 'New recovery codes made',
  'audit.event.mfa.reset': 'Two-step verification reset',
  'audit.event.mfa.enrol_code_issued': 'Two-step enrolment code issued',
  'audit.outcome.wrong': 'Wrong code',
  'audit.outcome.reused': 'Code already used',
  'audit.outcome.enrol_code': 'Wrong enrolment code',

  'audit.outcome.success': 'Succeeded',
  'audit.outcome.invalid_credentials': 'Wrong username or password',
  'audit.outcome.disabled': 'Disabled',
  'audit.outcome.active': 'Active',
  'audit.outcome.locked': 'Account temporarily locked in the official mail system',
  'audit.outcome.expired': 'Account expired',
  'audit.outcome.password_expired': 'Password expired',
  'audit.outcome.must_change_password': 'Password must be changed',
  'audit.outcome.unavailable': 'The official mail system did not answer',
  'audit.outcome.conflict': 'Account needs checking',
  'audit.outcome.throttled': 'Blocked for a while after many failed sign-ins',
  'audit.outcome.granted': 'Agreed',
  'audit.outcome.denied': 'Refused',
  'audit.outcome.revoked': 'Withdrawn',
  'audit.outcome.unblocked': 'Unblocked',
  'audit.outcome.partial': 'Partly succeeded',
  'audit.outcome.refused': 'Not carried out',
  'audit.outcome.failed': 'Did not succeed',
};

export const labelMessages: Readonly<Record<Locale, Readonly<Record<LabelKey, string>>>> = Object.freeze({
  vi: Object.freeze({ ...vi }),
  en: Object.freeze({ ...en }),
});

type T = (key: LabelKey) => string;

function known(key: string): key is LabelKey {
  return Object.hasOwn(vi, key);
}

/** A directory sync's status (success, partial, refused, failed, running) in words. Pure. */
export function syncStatusLabel(status: string, t: T): string {
  const key = `sync.status.${status}`;
  return known(key) ? t(key) : status;
}

/** Event types told apart further by their outcome: an account or an application disabled or enabled, rights granted or withdrawn. */
const BY_OUTCOME: Readonly<Record<string, Readonly<Record<string, LabelKey>>>> = {
  'account.status_changed': { disabled: 'audit.event.account.disabled', active: 'audit.event.account.enabled' },
  'client.status_changed': { disabled: 'audit.event.client.disabled', active: 'audit.event.client.enabled' },
  'account.admin_changed': { granted: 'audit.event.account.admin_granted', revoked: 'audit.event.account.admin_revoked' },
  'account.helpdesk_changed': { granted: 'audit.event.account.helpdesk_granted', revoked: 'audit.event.account.helpdesk_revoked' },
};

/**
 * An audit event type as a sentence ("login.success" -> "Đăng nhập thành công"); with its outcome,
 * the more precise one when there is ("account.status_changed" + "disabled" -> "Khóa tài khoản").
 * An unknown type reads as itself. Pure.
 */
export function auditEventLabel(type: string, t: T, outcome?: string): string {
  const precise = outcome !== undefined && Object.hasOwn(BY_OUTCOME, type) ? BY_OUTCOME[type]![outcome] : undefined;
  if (precise) return t(precise);
  const key = `audit.event.${type}`;
  return known(key) ? t(key) : type;
}

/** An audit event's outcome in words (a login failure's reason, a new status, ...); an unknown one reads as itself. Pure. */
export function auditOutcomeLabel(outcome: string, t: T): string {
  const key = `audit.outcome.${outcome}`;
  return known(key) ? t(key) : outcome;
}
