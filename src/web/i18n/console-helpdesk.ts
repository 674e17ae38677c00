/**
 * Texts of the console's helpdesk section (/admin/helpdesk) and of the readable audit and sync
 * pages (names, filters, routine noise), Vietnamese first, English second; typed like
 * ./console.ts (a missing or extra English key is a compile error). Looked up through ./index.ts
 * with the other catalogues (keys never overlap).
 */
import type { Locale } from './locales.js';

/** Any of the catalogues' translators (./index.ts Translator), called with a key made at run time. */
type AnyTranslator = (key: never, params?: Record<string, string | number>) => string;

const vi = {
  'console.nav.helpdesk': 'Hỗ trợ người dùng',
  'helpdesk.title': 'Hỗ trợ người dùng',
  'helpdesk.intro': 'Tìm người cần hỗ trợ, xem tình trạng tài khoản của họ, gỡ chặn đăng nhập hoặc đăng xuất họ khỏi mọi nơi. Mọi thao tác đều được ghi vào nhật ký với tên của bạn.',
  'helpdesk.searchLabel': 'Tên đăng nhập, họ tên hoặc thư điện tử công vụ',
  'helpdesk.searchHint': 'Không cần gõ dấu: "nguyen van an" tìm được "Nguyễn Văn An".',
  'helpdesk.found': 'Tìm thấy {total} người.',
  'helpdesk.caption': 'Kết quả tìm kiếm, trang {page} / {pages}',
  'helpdesk.empty': 'Không tìm thấy ai. Hãy thử tên đăng nhập hoặc địa chỉ thư điện tử đầy đủ.',
  'helpdesk.name': 'Họ tên',
  'helpdesk.login': 'Tên đăng nhập',
  'helpdesk.mail': 'Thư điện tử',
  'helpdesk.status': 'Trạng thái',
  'helpdesk.back': 'Quay lại tìm kiếm',
  'helpdesk.here': 'Trên hệ thống đăng nhập một lần',
  'helpdesk.hereCaption': 'Tình trạng trên hệ thống đăng nhập một lần',
  'helpdesk.source': 'Nguồn tài khoản',
  'helpdesk.lastLogin': 'Đăng nhập thành công gần nhất',
  'helpdesk.never': 'Chưa đăng nhập lần nào',
  'helpdesk.sessions': 'Phiên đăng nhập đang mở',
  'helpdesk.directory': 'Trong hệ thống thư điện tử công vụ',
  'helpdesk.dir.local': 'Tài khoản nội bộ, không có trong hệ thống thư điện tử công vụ.',
  'helpdesk.dir.unconfigured': 'Chưa kết nối hệ thống thư điện tử công vụ.',
  'helpdesk.dir.active': 'Đang hoạt động trong hệ thống thư điện tử công vụ.',
  'helpdesk.dir.disabled': 'Đang bị khóa hoặc tạm ngừng trong hệ thống thư điện tử công vụ. Việc mở khóa hộp thư do bộ phận quản trị thư thực hiện.',
  'helpdesk.dir.gone': 'Không còn trong hệ thống thư điện tử công vụ (đã xóa hoặc chuyển đi).',
  'helpdesk.dir.unreachable': 'Không kết nối được hệ thống thư điện tử công vụ lúc này. Vui lòng thử lại sau ít phút.',
  'helpdesk.failures': 'Đăng nhập không thành công gần đây',
  'helpdesk.failuresCaption': 'Các lần đăng nhập không thành công gần nhất, mới nhất trước',
  'helpdesk.failuresEmpty': 'Không có lần đăng nhập không thành công nào được ghi lại.',
  'helpdesk.at': 'Thời điểm',
  'helpdesk.reason': 'Lý do',
  'helpdesk.address': 'Địa chỉ mạng',
  'helpdesk.application': 'Ứng dụng',
  'helpdesk.reason.invalid_credentials': 'Sai tên đăng nhập hoặc mật khẩu',
  'helpdesk.reason.disabled': 'Tài khoản đã bị khóa',
  'helpdesk.reason.locked': 'Hộp thư bị tạm khóa do nhập sai nhiều lần',
  'helpdesk.reason.expired': 'Tài khoản đã hết hạn',
  'helpdesk.reason.password_expired': 'Mật khẩu đã hết hạn',
  'helpdesk.reason.must_change_password': 'Phải đổi mật khẩu trước khi đăng nhập',
  'helpdesk.reason.unavailable': 'Không kết nối được hệ thống thư điện tử công vụ',
  'helpdesk.reason.conflict': 'Tài khoản trùng với một tài khoản khác',
  'helpdesk.reason.throttled': 'Bị chặn tạm thời do đăng nhập sai nhiều lần',
  'helpdesk.blocks': 'Đang bị chặn đăng nhập',
  'helpdesk.blocksCaption': 'Các lần chặn đăng nhập đang có hiệu lực với người này',
  'helpdesk.blocksEmpty': 'Hiện không bị chặn đăng nhập.',
  'helpdesk.actions': 'Thao tác hỗ trợ',
  'helpdesk.unblock': 'Gỡ chặn đăng nhập',
  'helpdesk.unblockHint': 'Cho phép thử đăng nhập lại ngay. Nếu lại nhập sai mật khẩu, việc chặn có hiệu lực trở lại.',
  'helpdesk.logout': 'Đăng xuất khỏi mọi nơi',
  'helpdesk.logoutHint': 'Kết thúc mọi phiên đăng nhập của người này trên mọi thiết bị và ứng dụng. Tài khoản vẫn hoạt động; họ đăng nhập lại bằng mật khẩu của mình.',
  'helpdesk.done.unblocked': 'Đã gỡ chặn. Người này có thể thử đăng nhập lại ngay.',
  'helpdesk.done.nothing': 'Không còn lần chặn nào để gỡ (có thể đã hết hạn).',
  'helpdesk.done.loggedOut': 'Đã đăng xuất người này khỏi mọi nơi.',
  'helpdesk.error.forbidden': 'Tài khoản {login} thuộc bộ phận hỗ trợ người dùng: mục này chỉ dành cho quản trị viên. Bạn vẫn dùng được mục "Hỗ trợ người dùng".',
  'helpdesk.link.home': 'Về mục Hỗ trợ người dùng',
  'helpdesk.role': 'Quyền hỗ trợ người dùng',
  'helpdesk.roleLocal': 'Có (cấp trong hệ thống)',
  'helpdesk.roleGroup': 'Có (thuộc nhóm hỗ trợ người dùng trong thư mục)',

  'auditView.anyClient': 'Mọi ứng dụng',
  'auditView.person': 'Người (tên đăng nhập)',
  'auditView.client': 'Ứng dụng',
  'auditView.all': 'Hiện cả sự kiện thường lệ (đồng bộ không thay đổi gì, cấp mã truy cập)',
  'auditView.quiet': 'Các sự kiện thường lệ (đồng bộ không thay đổi gì, cấp mã truy cập) đang được ẩn.',
  'auditView.error.badDate': 'Ngày "{value}" ở ô "{field}" không hợp lệ. Vui lòng nhập theo dạng ngày/tháng/năm, ví dụ 05/12/2026.',
  'auditView.error.badRange': 'Ngày ở ô "Từ ngày" phải trước hoặc bằng ngày ở ô "Đến ngày".',
  'auditView.operator': 'Máy chủ',
  'syncView.all': 'Hiện cả các lượt đồng bộ không thay đổi gì',
  'syncView.quiet': 'Các lượt đồng bộ không thay đổi gì đang được ẩn.',
  'syncView.changesOnly': 'Chỉ hiện các lượt đồng bộ có thay đổi',
  'syncView.startedBy': 'Người chạy',
  'syncView.scheduled': 'Tự động theo lịch',
  'syncView.cli': 'Dòng lệnh ({holder})',
};

type HelpdeskConsoleKey = keyof typeof vi;

const en: Record<HelpdeskConsoleKey, string> = {
  'console.nav.helpdesk': 'Helpdesk',
  'helpdesk.title': 'Helpdesk',
  'helpdesk.intro': 'Find the person to help, see the state of their account, unblock their login or log them out everywhere. Every action is recorded in the audit trail under your name.',
  'helpdesk.searchLabel': 'Login, name or official e-mail',
  'helpdesk.searchHint': 'No need for diacritics: "nguyen van an" finds "Nguyễn Văn An".',
  'helpdesk.found': '{total} found.',
  'helpdesk.caption': 'Search results, page {page} of {pages}',
  'helpdesk.empty': 'Nobody found. Try the login or the whole e-mail address.',
  'helpdesk.name': 'Name',
  'helpdesk.login': 'Login',
  'helpdesk.mail': 'E-mail',
  'helpdesk.status': 'Status',
  'helpdesk.back': 'Back to the search',
  'helpdesk.here': 'On single sign-on',
  'helpdesk.hereCaption': 'State on single sign-on',
  'helpdesk.source': 'Account source',
  'helpdesk.lastLogin': 'Last successful login',
  'helpdesk.never': 'Never logged in',
  'helpdesk.sessions': 'Open sign-in sessions',
  'helpdesk.directory': 'In the mail directory',
  'helpdesk.dir.local': 'A local account, not in the mail directory.',
  'helpdesk.dir.unconfigured': 'No mail directory is connected.',
  'helpdesk.dir.active': 'Active in the mail directory.',
  'helpdesk.dir.disabled': 'Locked or suspended in the mail directory. The mail administrators unlock the mailbox.',
  'helpdesk.dir.gone': 'No longer in the mail directory (deleted or moved).',
  'helpdesk.dir.unreachable': 'The mail directory cannot be reached right now. Please try again in a few minutes.',
  'helpdesk.failures': 'Recent failed logins',
  'helpdesk.failuresCaption': 'The latest failed logins, newest first',
  'helpdesk.failuresEmpty': 'No failed login recorded.',
  'helpdesk.at': 'When',
  'helpdesk.reason': 'Reason',
  'helpdesk.address': 'Network address',
  'helpdesk.application': 'Application',
  'helpdesk.reason.invalid_credentials': 'Wrong login or password',
  'helpdesk.reason.disabled': 'The account is disabled',
  'helpdesk.reason.locked': 'The mailbox is locked after too many wrong passwords',
  'helpdesk.reason.expired': 'The account has expired',
  'helpdesk.reason.password_expired': 'The password has expired',
  'helpdesk.reason.must_change_password': 'The password must be changed first',
  'helpdesk.reason.unavailable': 'The mail directory could not be reached',
  'helpdesk.reason.conflict': 'The account clashes with another account',
  'helpdesk.reason.throttled': 'Blocked for a while after failed logins',
  'helpdesk.blocks': 'Login blocks',
  'helpdesk.blocksCaption': 'Active login blocks concerning this person',
  'helpdesk.blocksEmpty': 'Not blocked.',
  'helpdesk.actions': 'Help actions',
  'helpdesk.unblock': 'Unblock login',
  'helpdesk.unblockHint': 'Lets the next login attempt through at once. Another wrong password blocks again.',
  'helpdesk.logout': 'Log out everywhere',
  'helpdesk.logoutHint': 'Ends every sign-in session of this person on every device and application. The account stays active; they sign in again with their own password.',
  'helpdesk.done.unblocked': 'Unblocked. This person can try to log in again now.',
  'helpdesk.done.nothing': 'Nothing left to unblock (the block may have ended).',
  'helpdesk.done.loggedOut': 'This person has been logged out everywhere.',
  'helpdesk.error.forbidden': 'Account {login} belongs to the helpdesk: this section is for administrators only. You can still use the "Helpdesk" section.',
  'helpdesk.link.home': 'Go to the Helpdesk section',
  'helpdesk.role': 'Helpdesk',
  'helpdesk.roleLocal': 'Yes (granted here)',
  'helpdesk.roleGroup': 'Yes (member of a helpdesk group in the directory)',

  'auditView.anyClient': 'Any application',
  'auditView.person': 'Person (login)',
  'auditView.client': 'Application',
  'auditView.all': 'Also show routine events (syncs that changed nothing, token traffic)',
  'auditView.quiet': 'Routine events (syncs that changed nothing, token traffic) are hidden.',
  'auditView.error.badDate': 'The date "{value}" in "{field}" is not valid. Please write it as day/month/year, e.g. 05/12/2026.',
  'auditView.error.badRange': 'The "From" date must be on or before the "To" date.',
  'auditView.operator': 'Server',
  'syncView.all': 'Also show syncs that changed nothing',
  'syncView.quiet': 'Syncs that changed nothing are hidden.',
  'syncView.changesOnly': 'Only show syncs that changed something',
  'syncView.startedBy': 'Started by',
  'syncView.scheduled': 'Schedule',
  'syncView.cli': 'Command line ({holder})',
};

export type { HelpdeskConsoleKey };

export const helpdeskConsoleMessages: Readonly<Record<Locale, Readonly<Record<HelpdeskConsoleKey, string>>>> = Object.freeze({
  vi: Object.freeze({ ...vi }),
  en: Object.freeze({ ...en }),
});

/**
 * A text looked up by a key made at run time (`prefix` + a code), or `fallback` when no catalogue
 * has it: an audit event's label (`audit.event.<type>`, worded in the catalogues), a failure's
 * reason. Never throws, never shows a key.
 */
export function lookupText(t: AnyTranslator, key: string, fallback: string, params?: Record<string, string | number>): string {
  const s = (t as unknown as (k: string, p?: Record<string, string | number>) => string)(key, params);
  return s === key ? fallback : s;
}

