/**
 * Texts of security keys and passkeys (WebAuthn): "My account"'s page "Khóa bảo mật và passkey",
 * the login page's "Đăng nhập bằng passkey", what the browser script says when a prompt is
 * cancelled or the browser cannot, the recent activity's lines and the audit trail's labels.
 * Vietnamese first, English second; typed like ./console.ts (a missing or extra English key is a
 * compile error). Looked up through ./index.ts with the other catalogues (keys never overlap).
 */
import type { Locale } from './locales.js';

const vi = {
  'webauthn.title': 'Khóa bảo mật và passkey',
  'webauthn.link': 'Khóa bảo mật và passkey',
  'webauthn.intro': 'Khóa bảo mật (thiết bị USB hoặc NFC) và passkey (vân tay, khuôn mặt hoặc mã PIN trên máy tính, điện thoại) giúp bảo vệ tài khoản tốt hơn mật khẩu. Bạn có thể đăng ký nhiều khóa, đặt tên để phân biệt, và xóa khóa bị mất.',
  'webauthn.passwordlessNote': 'Với passkey, bạn có thể đăng nhập không cần mật khẩu: chọn "Đăng nhập bằng passkey" ở trang đăng nhập.',
  'webauthn.caption': 'Các khóa bảo mật và passkey đã đăng ký',
  'webauthn.name': 'Tên',
  'webauthn.kind': 'Loại',
  'webauthn.added': 'Ngày đăng ký',
  'webauthn.lastUsed': 'Lần dùng gần nhất',
  'webauthn.never': 'Chưa dùng',
  'webauthn.kind.hwk': 'Khóa bảo mật',
  'webauthn.kind.swk': 'Passkey trên thiết bị',
  'webauthn.empty': 'Bạn chưa đăng ký khóa bảo mật hay passkey nào.',
  'webauthn.remove': 'Xóa',
  'webauthn.add.title': 'Đăng ký khóa mới',
  'webauthn.add.name': 'Tên khóa',
  'webauthn.add.nameHint': 'Ví dụ: Khóa USB màu xanh, Điện thoại của tôi. Tối đa 64 ký tự.',
  'webauthn.add.button': 'Đăng ký khóa',
  'webauthn.msg.cancelled': 'Thao tác đã bị hủy hoặc hết thời gian. Bạn có thể thử lại.',
  'webauthn.msg.exists': 'Khóa này đã được đăng ký cho tài khoản của bạn.',
  'webauthn.msg.unsupported': 'Trình duyệt này không hỗ trợ khóa bảo mật hay passkey. Hãy dùng phiên bản mới của Chrome, Edge, Firefox hoặc Safari.',
  'webauthn.msg.failed': 'Không thực hiện được. Hãy tải lại trang và thử lại.',
  'webauthn.msg.name': 'Hãy đặt tên cho khóa trước khi đăng ký.',
  'webauthn.msg.wait': 'Đang kiểm tra…',
  'webauthn.done.added': 'Đã đăng ký khóa mới. Lần sau bạn có thể dùng khóa này khi đăng nhập.',
  'webauthn.done.removed': 'Đã xóa khóa. Khóa này không còn dùng để đăng nhập được nữa.',
  'webauthn.error.refused': 'Không đăng ký được khóa này. Hãy thử lại.',
  'webauthn.error.noChallenge': 'Đã quá thời gian chờ. Hãy thử lại.',
  'webauthn.error.tooMany': 'Bạn đã đăng ký đủ số khóa tối đa. Hãy xóa bớt khóa không dùng.',
  'webauthn.error.name': 'Hãy đặt tên cho khóa.',
  'webauthn.error.exists': 'Khóa này đã được đăng ký.',
  'confirm.webauthnRemove.title': 'Xóa khóa bảo mật',
  'confirm.webauthnRemove.question': 'Xóa khóa "{name}": khóa này sẽ không dùng để đăng nhập vào tài khoản của bạn được nữa. Nếu sau này muốn dùng lại, bạn phải đăng ký lại.',
  'login.passkey': 'Đăng nhập bằng passkey',
  'login.passkeyOr': 'hoặc',
  'login.passkeyRefused': 'Không đăng nhập được bằng passkey này. Hãy dùng mật khẩu, hoặc thử khóa khác.',
  'me.activity.keyAdded': 'Đăng ký khóa "{name}"',
  'me.activity.keyRemoved': 'Xóa khóa "{name}"',
  'me.activity.keysRemoved': 'Xóa mọi khóa bảo mật',
};

type WebAuthnKey = keyof typeof vi;

const en: Record<WebAuthnKey, string> = {
  'webauthn.title': 'Security keys and passkeys',
  'webauthn.link': 'Security keys and passkeys',
  'webauthn.intro': 'Security keys (USB or NFC devices) and passkeys (fingerprint, face or PIN on a computer or phone) protect your account better than a password. You can register several, name them to tell them apart, and remove one you lost.',
  'webauthn.passwordlessNote': 'With a passkey you can sign in without your password: choose "Sign in with a passkey" on the sign-in page.',
  'webauthn.caption': 'Registered security keys and passkeys',
  'webauthn.name': 'Name',
  'webauthn.kind': 'Kind',
  'webauthn.added': 'Registered',
  'webauthn.lastUsed': 'Last used',
  'webauthn.never': 'Never',
  'webauthn.kind.hwk': 'Security key',
  'webauthn.kind.swk': 'Passkey on a device',
  'webauthn.empty': 'You have not registered a security key or a passkey.',
  'webauthn.remove': 'Remove',
  'webauthn.add.title': 'Register a new key',
  'webauthn.add.name': 'Key name',
  'webauthn.add.nameHint': 'For example: Blue USB key, My phone. At most 64 characters.',
  'webauthn.add.button': 'Register key',
  'webauthn.msg.cancelled': 'The request was cancelled or timed out. You can try again.',
  'webauthn.msg.exists': 'This key is already registered to your account.',
  'webauthn.msg.unsupported': 'This browser does not support security keys or passkeys. Use a recent Chrome, Edge, Firefox or Safari.',
  'webauthn.msg.failed': 'That did not work. Reload the page and try again.',
  'webauthn.msg.name': 'Name the key before registering it.',
  'webauthn.msg.wait': 'Checking…',
  'webauthn.done.added': 'New key registered. You can use it the next time you sign in.',
  'webauthn.done.removed': 'Key removed. It can no longer be used to sign in.',
  'webauthn.error.refused': 'This key could not be registered. Try again.',
  'webauthn.error.noChallenge': 'The request timed out. Try again.',
  'webauthn.error.tooMany': 'You have registered the most keys allowed. Remove one you no longer use.',
  'webauthn.error.name': 'Name the key.',
  'webauthn.error.exists': 'This key is already registered.',
  'confirm.webauthnRemove.title': 'Remove security key',
  'confirm.webauthnRemove.question': 'Remove key "{name}": it will no longer sign in to your account. To use it again you will have to register it again.',
  'login.passkey': 'Sign in with a passkey',
  'login.passkeyOr': 'or',
  'login.passkeyRefused': 'This passkey could not sign you in. Use your password, or try another key.',
  'me.activity.keyAdded': 'Key "{name}" registered',
  'me.activity.keyRemoved': 'Key "{name}" removed',
  'me.activity.keysRemoved': 'Every security key removed',
};

export type { WebAuthnKey };

export const webauthnMessages: Readonly<Record<Locale, Readonly<Record<WebAuthnKey, string>>>> = Object.freeze({
  vi: Object.freeze({ ...vi }),
  en: Object.freeze({ ...en }),
});
