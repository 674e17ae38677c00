/**
 * The login pages' texts (login, consent, logout, errors; also the chrome every page shares:
 * product name, language switch, footer), Vietnamese first, English second. Both dictionaries
 * must have exactly the same keys: the English dictionary is typed as `Record<MessageKey,
 * string>` so a missing or extra key is a compile error. Looked up through ./index.ts.
 *
 * Message values are plain text. Parameters substituted into `{name}`
 * placeholders are NOT escaped here: escaping is the template's job (all
 * templates use Eta's escaped `<%= %>` interpolation).
 */
import type { Locale } from './locales.js';

const vi = {
  // Product / chrome
  'app.name': 'Đăng nhập một lần',
  'app.skipToContent': 'Chuyển đến nội dung chính',
  'lang.switch': 'English',
  'footer.text': 'Hệ thống xác thực tập trung dành cho cán bộ, công chức, viên chức.',
  'footer.security': 'Không cung cấp mật khẩu cho bất kỳ ai. Cán bộ quản trị không bao giờ hỏi mật khẩu của bạn.',

  // Page titles
  'title.login': 'Đăng nhập',
  'title.consent': 'Cấp quyền truy cập',
  'title.logout': 'Đăng xuất',
  'title.loggedOut': 'Đã đăng xuất',
  'title.error': 'Đã xảy ra lỗi',

  // Labels and hints
  'label.login': 'Tên đăng nhập hoặc địa chỉ thư điện tử công vụ',
  'label.password': 'Mật khẩu',
  'hint.login': 'Dùng tài khoản thư điện tử công vụ của bạn.',
  'label.remember': 'Ghi nhớ đăng nhập trên máy tính này',
  'hint.remember': 'Không chọn nếu đây là máy tính dùng chung.',
  'text.or': 'hoặc',

  // Buttons
  'button.signIn': 'Đăng nhập',
  'button.continueAs': 'Tiếp tục với tài khoản {name}',
  'button.useAnotherAccount': 'Dùng tài khoản khác',
  'button.allow': 'Cho phép',
  'button.deny': 'Từ chối',
  'button.cancel': 'Hủy',
  'button.signOut': 'Đăng xuất',
  'button.staySignedIn': 'Không, giữ đăng nhập',

  // Texts
  'login.intro': 'Đăng nhập để tiếp tục tới {client}',
  'login.signedInAs': 'Bạn đang đăng nhập bằng tài khoản {name}',
  'login.signedInAsWithLogin': 'Bạn đang đăng nhập bằng tài khoản {name} ({login})',
  'login.reauth': 'Vui lòng nhập lại mật khẩu để xác nhận danh tính.',
  'consent.request': '{client} yêu cầu quyền truy cập tài khoản của bạn',
  'consent.explanation': 'Nếu bạn cho phép, ứng dụng này sẽ được cung cấp các thông tin sau từ tài khoản của bạn:',
  'consent.changeLater': 'Bạn có thể thay đổi lựa chọn này sau.',
  'logout.question': 'Bạn có muốn đăng xuất khỏi hệ thống đăng nhập một lần không?',
  'logout.clientRequest': '{client} yêu cầu đăng xuất tài khoản của bạn.',
  'logout.explanation': 'Sau khi đăng xuất, bạn cần đăng nhập lại để sử dụng các ứng dụng khác.',
  'loggedOut.text': 'Bạn đã đăng xuất khỏi hệ thống đăng nhập một lần.',
  'loggedOut.fromClient': 'Yêu cầu đăng xuất từ {client} đã được thực hiện.',
  'loggedOut.sharedDevice': 'Nếu bạn dùng máy tính dùng chung, hãy đóng trình duyệt để bảo đảm an toàn.',

  // Errors
  'error.invalidCredentials': 'Tên đăng nhập hoặc mật khẩu không đúng.',
  'error.accountDisabled': 'Tài khoản của bạn đã bị khóa hoặc ngừng sử dụng. Vui lòng liên hệ cán bộ quản trị hệ thống.',
  'error.cannotSignIn': 'Không đăng nhập được. Nếu bạn chắc chắn mật khẩu đúng, hãy liên hệ bộ phận hỗ trợ.',
  'error.helpdeskContact': 'Bộ phận hỗ trợ: {contact}',
  'error.accountExpired': 'Tài khoản của bạn đã hết hạn sử dụng. Vui lòng liên hệ cán bộ quản trị hệ thống.',
  'error.passwordExpired': 'Mật khẩu thư điện tử công vụ của bạn đã hết hạn. Vui lòng đổi mật khẩu trên hệ thống thư điện tử công vụ rồi đăng nhập lại.',
  'error.mustChangePassword': 'Bạn cần đổi mật khẩu trên hệ thống thư điện tử công vụ trước khi đăng nhập.',
  'error.accountConflict': 'Tài khoản của bạn cần được cán bộ quản trị hệ thống kiểm tra trước khi đăng nhập. Vui lòng liên hệ cán bộ quản trị.',
  'error.directoryUnavailable': 'Hệ thống thư điện tử công vụ tạm thời không phản hồi, vui lòng thử lại sau ít phút.',
  'error.tooManyAttempts': 'Đã có nhiều lần đăng nhập không thành công. Vui lòng thử lại sau {wait}.',
  'error.blockedAccountAddress': 'Đã có nhiều lần đăng nhập không thành công vào tài khoản này từ địa chỉ mạng bạn đang dùng. Để bảo vệ tài khoản, tạm thời chưa thể đăng nhập tài khoản này từ địa chỉ này. Vui lòng thử lại sau {wait}.',
  'error.blockedAddress': 'Đã có nhiều lần đăng nhập không thành công từ địa chỉ mạng bạn đang dùng (có thể từ các máy tính khác dùng chung đường truyền). Để bảo vệ các tài khoản, tạm thời chưa thể đăng nhập từ địa chỉ này. Vui lòng thử lại sau {wait}.',
  'error.blockedAccount': 'Đã có nhiều lần đăng nhập không thành công vào tài khoản này từ nhiều nơi. Để bảo vệ tài khoản, tạm thời chưa thể đăng nhập tài khoản này trên máy tính chưa từng đăng nhập thành công; trên máy tính bạn đã đăng nhập thành công trước đây, bạn vẫn đăng nhập được. Vui lòng thử lại sau {wait}.',
  'error.blockedDevice': 'Đã có nhiều lần đăng nhập không thành công vào tài khoản này trên máy tính này. Để bảo vệ tài khoản, tạm thời chưa thể đăng nhập. Vui lòng thử lại sau {wait}.',
  'error.sessionExpired': 'Trang đăng nhập đã hết hạn. Vui lòng quay lại ứng dụng và bắt đầu lại.',
  'error.invalidRequest': 'Yêu cầu không hợp lệ.',
  'error.csrf': 'Biểu mẫu đã hết hạn. Vui lòng tải lại trang và thử lại.',
  'error.server': 'Hệ thống đang gặp sự cố. Vui lòng thử lại sau.',
  'error.unavailable': 'Hệ thống tạm thời gián đoạn, vui lòng thử lại sau ít phút.',
  'error.notFound': 'Không tìm thấy trang bạn yêu cầu.',
  'title.notFound': 'Không tìm thấy',
  'title.forbidden': 'Không có quyền truy cập',
  'error.status': 'Lỗi {status}',
  'error.reference': 'Khi liên hệ hỗ trợ, vui lòng cung cấp mã tham chiếu: {id}',

  // Scope descriptions (consent page)
  'scope.openid': 'Mã định danh tài khoản',
  'scope.profile': 'Họ tên và tên đăng nhập',
  'scope.email': 'Địa chỉ thư điện tử công vụ',
  'scope.phone': 'Số điện thoại',
  'scope.offline_access': 'Duy trì quyền truy cập khi bạn không dùng ứng dụng',
  'scope.organization': 'Đơn vị công tác, chức vụ',
  'scope.groups': 'Các nhóm bạn là thành viên',

  // A request naming another host (421, plain text)
  'misdirected.body': 'Máy chủ này chỉ phục vụ tại địa chỉ {issuer}. Vui lòng truy cập đúng địa chỉ đó.',
} as const satisfies Record<string, string>;

export type MessageKey = keyof typeof vi;

const en: Record<MessageKey, string> = {
  'app.name': 'Single sign-on',
  'app.skipToContent': 'Skip to main content',
  'lang.switch': 'Tiếng Việt',
  'footer.text': 'Central authentication service for civil servants and public employees.',
  'footer.security': 'Never share your password with anyone. Administrators will never ask for your password.',

  'title.login': 'Sign in',
  'title.consent': 'Authorize access',
  'title.logout': 'Sign out',
  'title.loggedOut': 'Signed out',
  'title.error': 'Something went wrong',

  'label.login': 'Username or official mail address',
  'label.password': 'Password',
  'hint.login': 'Use your official mail account.',
  'label.remember': 'Remember me on this computer',
  'hint.remember': 'Leave unticked on a shared computer.',
  'text.or': 'or',

  'button.signIn': 'Sign in',
  'button.continueAs': 'Continue as {name}',
  'button.useAnotherAccount': 'Use another account',
  'button.allow': 'Allow',
  'button.deny': 'Deny',
  'button.cancel': 'Cancel',
  'button.signOut': 'Sign out',
  'button.staySignedIn': 'No, stay signed in',

  'login.intro': 'Sign in to continue to {client}',
  'login.signedInAs': 'You are signed in as {name}',
  'login.signedInAsWithLogin': 'You are signed in as {name} ({login})',
  'login.reauth': 'Please enter your password again to confirm it is you.',
  'consent.request': '{client} requests access to your account',
  'consent.explanation': 'If you allow this, the application will receive the following information from your account:',
  'consent.changeLater': 'You can change this later.',
  'logout.question': 'Do you want to sign out of single sign-on?',
  'logout.clientRequest': '{client} is asking to sign you out.',
  'logout.explanation': 'After signing out, you will need to sign in again to use other applications.',
  'loggedOut.text': 'You have been signed out of single sign-on.',
  'loggedOut.fromClient': 'The sign-out requested by {client} is complete.',
  'loggedOut.sharedDevice': 'If you are using a shared computer, close the browser to keep your account safe.',

  'error.invalidCredentials': 'Incorrect username or password.',
  'error.accountDisabled': 'Your account has been locked or disabled. Please contact your system administrator.',
  'error.cannotSignIn': 'Could not sign in. If you are sure the password is right, please contact the helpdesk.',
  'error.helpdeskContact': 'Helpdesk: {contact}',
  'error.accountExpired': 'Your account has expired. Please contact your system administrator.',
  'error.passwordExpired': 'Your official mail password has expired. Please change it in the mail system, then sign in again.',
  'error.mustChangePassword': 'You must change your password in the official mail system before signing in.',
  'error.accountConflict': 'Your account needs to be checked by your system administrator before you can sign in. Please contact them.',
  'error.directoryUnavailable': 'The official mail system is not responding at the moment, please try again in a few minutes.',
  'error.tooManyAttempts': 'There have been many unsuccessful sign-ins. Please wait {wait} and try again.',
  'error.blockedAccountAddress': 'There have been many unsuccessful sign-ins to this account from the network address you are using. To protect the account, it cannot sign in from this address for now. Please wait {wait} and try again.',
  'error.blockedAddress': 'There have been many unsuccessful sign-ins from the network address you are using (possibly from other computers sharing the connection). To protect the accounts, signing in from this address is paused. Please wait {wait} and try again.',
  'error.blockedAccount': 'There have been many unsuccessful sign-ins to this account from several places. To protect the account, it cannot sign in for now on a computer where it has never signed in successfully; on a computer where you have signed in before, you still can. Please wait {wait} and try again.',
  'error.blockedDevice': 'There have been many unsuccessful sign-ins to this account on this computer. To protect the account, signing in is paused. Please wait {wait} and try again.',
  'error.sessionExpired': 'The sign-in page has expired. Please go back to the application and start again.',
  'error.invalidRequest': 'The request is invalid.',
  'error.csrf': 'The form has expired. Please reload the page and try again.',
  'error.server': 'The service ran into a problem. Please try again later.',
  'error.unavailable': 'The service is briefly unavailable. Please try again in a few minutes.',
  'error.notFound': 'The page you requested could not be found.',
  'title.notFound': 'Not found',
  'title.forbidden': 'No access',
  'error.status': 'Error {status}',
  'error.reference': 'If you contact support, please quote this reference: {id}',

  'scope.openid': 'Your account identifier',
  'scope.profile': 'Your full name and username',
  'scope.email': 'Your official mail address',
  'scope.phone': 'Your phone number',
  'scope.offline_access': 'Keep you signed in while you are not using the application',
  'scope.organization': 'Your organisation unit and position',
  'scope.groups': 'The groups you are a member of',

  'misdirected.body': 'This server answers only at {issuer}. Please use that address.',
};

export const messages: Readonly<Record<Locale, Readonly<Record<MessageKey, string>>>> = Object.freeze({
  vi: Object.freeze({ ...vi }),
  en: Object.freeze({ ...en }),
});
