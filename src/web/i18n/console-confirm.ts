/**
 * Texts of the console's confirmations (a destructive action asks first, naming its target and
 * what follows), one-time messages and form errors; Vietnamese first, English second; typed
 * like ./console.ts (a missing or extra English key is a compile error). Looked up through
 * ./index.ts with the other catalogues (keys never overlap).
 */
import type { Locale } from './locales.js';

const vi = {
  'confirm.cancel': 'Hủy, quay lại',
  'confirm.clientDisable.title': 'Tạm ngừng ứng dụng',
  'confirm.clientDisable.question': 'Tạm ngừng ứng dụng {name}: mọi người sẽ không đăng nhập được vào ứng dụng này cho đến khi bật lại. Các mã truy cập đã cấp cho ứng dụng bị thu hồi.',
  'confirm.clientEnable.title': 'Bật lại ứng dụng',
  'confirm.clientEnable.question': 'Bật lại ứng dụng {name}: mọi người lại đăng nhập được vào ứng dụng này.',
  'confirm.clientDelete.title': 'Xóa ứng dụng',
  'confirm.clientDelete.question': 'Xóa ứng dụng {name}: ứng dụng bị gỡ khỏi hệ thống đăng nhập một lần, mọi mã truy cập đã cấp bị thu hồi và không thể khôi phục. Muốn dùng lại phải đăng ký mới.',
  'confirm.accountDisable.title': 'Khóa tài khoản',
  'confirm.accountDisable.question': 'Khóa tài khoản {name} ({login}) trên hệ thống đăng nhập một lần (không khóa hộp thư): người này bị đăng xuất khỏi mọi ứng dụng ngay và không đăng nhập được cho đến khi mở khóa.',
  'confirm.accountLogout.title': 'Đăng xuất khỏi mọi nơi',
  'confirm.accountLogout.question': 'Đăng xuất tài khoản {name} ({login}) khỏi mọi nơi: mọi phiên đăng nhập kết thúc ngay và các ứng dụng được thông báo; người này phải đăng nhập lại.',
  'clients.delete': 'Xóa ứng dụng',
  'clients.deleteHint': 'Xóa ứng dụng sẽ gỡ hẳn ứng dụng và thu hồi mọi mã truy cập của ứng dụng.',
  'clients.done.added': 'Đã đăng ký ứng dụng {name}.',
  'clients.done.rotated': 'Đã cấp mã bí mật mới cho ứng dụng {name}.',
  'clients.done.deleted': 'Đã xóa ứng dụng {name}.',
  'clients.secretShown': 'Mã bí mật này đã được hiển thị một lần và không thể xem lại. Nếu chưa kịp lưu, hãy cấp mã bí mật mới.',
  'form.errorSummary': 'Thông tin nhập chưa hợp lệ',
  'form.errorIn': 'Lỗi: {detail}',
  'logout.signingOut': 'Đang đăng xuất khỏi hệ thống đăng nhập một lần…',
};

type ConfirmConsoleKey = keyof typeof vi;

const en: Record<ConfirmConsoleKey, string> = {
  'confirm.cancel': 'Cancel, go back',
  'confirm.clientDisable.title': 'Suspend application',
  'confirm.clientDisable.question': 'Suspend application {name}: nobody will be able to sign in to it until it is enabled again. The tokens issued to it are revoked.',
  'confirm.clientEnable.title': 'Enable application',
  'confirm.clientEnable.question': 'Enable application {name}: people can sign in to it again.',
  'confirm.clientDelete.title': 'Delete application',
  'confirm.clientDelete.question': 'Delete application {name}: it is removed from single sign-on and every token issued to it is revoked, for good. Using it again takes a new registration.',
  'confirm.accountDisable.title': 'Disable account',
  'confirm.accountDisable.question': 'Disable account {name} ({login}) in single sign-on (the mailbox stays open): this person is signed out of every application at once and cannot sign in until the account is enabled.',
  'confirm.accountLogout.title': 'Sign out everywhere',
  'confirm.accountLogout.question': 'Sign account {name} ({login}) out everywhere: every session ends at once and the applications are told; this person has to sign in again.',
  'clients.delete': 'Delete application',
  'clients.deleteHint': 'Deleting the application removes it for good and revokes all its tokens.',
  'clients.done.added': 'Application {name} is registered.',
  'clients.done.rotated': 'Application {name} has a new secret.',
  'clients.done.deleted': 'Application {name} is deleted.',
  'clients.secretShown': 'This secret was shown once and cannot be shown again. If it was not saved, issue a new secret.',
  'form.errorSummary': 'There is a problem with what you entered',
  'form.errorIn': 'Error: {detail}',
  'logout.signingOut': 'Signing out of single sign-on…',
};

export type { ConfirmConsoleKey };

export const confirmConsoleMessages: Readonly<Record<Locale, Readonly<Record<ConfirmConsoleKey, string>>>> = Object.freeze({
  vi: Object.freeze({ ...vi }),
  en: Object.freeze({ ...en }),
});
