/**
 * Texts of the console's "Login blocks" page (/admin/throttle), Vietnamese first, English
 * second; typed like ./console.ts (a missing or extra English key is a compile error). Looked up
 * through ./index.ts with the other catalogues (keys never overlap).
 */
import type { Locale } from './locales.js';

const vi = {
  'console.nav.throttle': 'Chặn đăng nhập',
  'throttle.title': 'Chặn đăng nhập sai nhiều lần',
  'throttle.intro': 'Khi có nhiều lần đăng nhập không thành công, hệ thống tạm chặn: một tài khoản từ một địa chỉ mạng, một địa chỉ mạng, một tài khoản trên các máy tính chưa từng đăng nhập thành công, hoặc một tài khoản trên các máy tính đã đăng nhập trước đây. Gỡ chặn cho phép thử lại ngay một lần; nếu lại nhập sai mật khẩu, việc chặn có hiệu lực trở lại.',
  'throttle.budget': 'Mỗi người có tối đa {total} lần đoán mật khẩu tới hệ thống thư điện tử công vụ trong {window} (máy tính lạ: {unknown}, máy tính đã đăng nhập: {known}).',
  'throttle.budgetLockout': 'Hệ thống thư điện tử công vụ khóa tài khoản sau {lockout} lần nhập sai mật khẩu.',
  'throttle.caption': 'Các lần chặn đang có hiệu lực, mới nhất trước',
  'throttle.empty': 'Hiện không có lần chặn nào.',
  'throttle.type': 'Loại',
  'throttle.login': 'Tài khoản',
  'throttle.address': 'Địa chỉ mạng',
  'throttle.failures': 'Số lần không thành công',
  'throttle.until': 'Chặn đến',
  'throttle.lastFailure': 'Lần cuối',
  'throttle.action': 'Thao tác',
  'throttle.type.account': 'Tài khoản (máy tính lạ)',
  'throttle.type.account_address': 'Tài khoản từ địa chỉ này',
  'throttle.type.address': 'Địa chỉ mạng',
  'throttle.type.device': 'Tài khoản trên máy tính đã đăng nhập',
  'throttle.unblockLogin': 'Gỡ chặn tài khoản {login}',
  'throttle.unblockAddress': 'Gỡ chặn địa chỉ {address}',
  'throttle.unblockLoginShort': 'Gỡ chặn tài khoản',
  'throttle.unblockAddressShort': 'Gỡ chặn địa chỉ',
  'throttle.unknownLogin': '(không rõ)',
  'throttle.done.unblocked': 'Đã gỡ chặn. Lần đăng nhập tiếp theo được phép thử.',
  'throttle.done.nothing': 'Không còn lần chặn nào để gỡ (có thể đã hết hạn).',
  'throttle.badLogin': 'Tên đăng nhập “{login}” không hợp lệ.',
  'throttle.badAddress': '“{address}” không phải là một địa chỉ mạng IPv4 hoặc IPv6.',
  'throttle.loginOrAddress': 'Vui lòng gỡ chặn một tài khoản hoặc một địa chỉ mạng, không chọn cả hai.',
};

type ThrottleConsoleKey = keyof typeof vi;

const en: Record<ThrottleConsoleKey, string> = {
  'console.nav.throttle': 'Login blocks',
  'throttle.title': 'Blocked after failed logins',
  'throttle.intro': 'After many unsuccessful logins the system blocks for a while: an account from one network address, a network address, an account on computers where it never signed in successfully, or an account on the computers where it signed in before. Unblocking lets the next attempt through at once; another wrong password blocks again.',
  'throttle.budget': 'At most {total} password guesses per person reach the mail directory in {window} (unknown computers: {unknown}, known computers: {known}).',
  'throttle.budgetLockout': 'The mail directory locks an account after {lockout} wrong passwords.',
  'throttle.caption': 'Active blocks, latest first',
  'throttle.empty': 'No active blocks.',
  'throttle.type': 'Kind',
  'throttle.login': 'Account',
  'throttle.address': 'Network address',
  'throttle.failures': 'Unsuccessful logins',
  'throttle.until': 'Blocked until',
  'throttle.lastFailure': 'Last',
  'throttle.action': 'Action',
  'throttle.type.account': 'Account (unknown computers)',
  'throttle.type.account_address': 'Account from this address',
  'throttle.type.address': 'Network address',
  'throttle.type.device': 'Account on known computers',
  'throttle.unblockLogin': 'Unblock account {login}',
  'throttle.unblockAddress': 'Unblock address {address}',
  'throttle.unblockLoginShort': 'Unblock account',
  'throttle.unblockAddressShort': 'Unblock address',
  'throttle.unknownLogin': '(unknown)',
  'throttle.done.unblocked': 'Unblocked. The next login attempt is let through.',
  'throttle.done.nothing': 'Nothing left to unblock (the block may have ended).',
  'throttle.badLogin': 'The username “{login}” is not valid.',
  'throttle.badAddress': '“{address}” is not an IPv4 or IPv6 network address.',
  'throttle.loginOrAddress': 'Please unblock either an account or a network address, not both.',
};

export type { ThrottleConsoleKey };

export const throttleConsoleMessages: Readonly<Record<Locale, Readonly<Record<ThrottleConsoleKey, string>>>> = Object.freeze({
  vi: Object.freeze({ ...vi }),
  en: Object.freeze({ ...en }),
});
