/**
 * Texts of the app launcher at / and of an application's launcher fields in the console (home
 * URL, description, logo), Vietnamese first, English second; typed like ./console.ts (a missing
 * or extra English key is a compile error). Looked up through ./index.ts with the other
 * catalogues (keys never overlap).
 */
import type { Locale } from './locales.js';

const vi = {
  'launcher.title': 'Ứng dụng của tôi',
  'launcher.signedInAs': 'Bạn đang đăng nhập bằng tài khoản {name}',
  'launcher.signOut': 'Đăng xuất',
  'launcher.myAccount': 'Tài khoản của tôi',
  'launcher.apps': 'Các ứng dụng bạn được sử dụng',
  'launcher.empty': 'Chưa có ứng dụng nào để hiển thị. Vui lòng liên hệ bộ phận hỗ trợ nếu bạn cần truy cập một ứng dụng.',
  'launcher.welcomeTitle': 'Chào mừng',
  'launcher.welcome': 'Đăng nhập một lần bằng tài khoản thư điện tử công vụ để sử dụng các ứng dụng của tỉnh.',
  'launcher.signIn': 'Đăng nhập',
  'clients.homeUrl': 'Địa chỉ trang chủ của ứng dụng',
  'clients.homeUrlHint': 'Ứng dụng có địa chỉ trang chủ sẽ hiện trên trang ứng dụng của người dùng. Chỉ dùng https (http chỉ cho địa chỉ nội bộ của máy). Để trống nếu không muốn hiện.',
  'clients.description': 'Mô tả ngắn',
  'clients.descriptionHint': 'Tối đa 200 ký tự, hiện dưới tên ứng dụng.',
  'clients.logo': 'Biểu trưng (logo)',
  'clients.logoCurrent': 'Biểu trưng hiện tại của {name}',
  'clients.logoNone': 'Chưa có biểu trưng.',
  'clients.logoFile': 'Tải lên biểu trưng mới',
  'clients.logoHint': 'Tệp PNG hoặc JPEG, tối đa 256 KiB. Không nhận tệp SVG.',
  'clients.removeLogo': 'Xóa biểu trưng',
  'clients.error.homeUrl': 'Địa chỉ trang chủ chưa hợp lệ: phải là địa chỉ https đầy đủ (http chỉ cho địa chỉ nội bộ của máy).',
  'clients.error.description': 'Mô tả ngắn chưa hợp lệ: tối đa 200 ký tự, trên một dòng.',
  'clients.error.logo': 'Biểu trưng chưa hợp lệ: chỉ nhận tệp PNG hoặc JPEG, tối đa 256 KiB (không nhận SVG).',
};

type LauncherKey = keyof typeof vi;

const en: Record<LauncherKey, string> = {
  'launcher.title': 'My applications',
  'launcher.signedInAs': 'You are signed in with the account {name}',
  'launcher.signOut': 'Sign out',
  'launcher.myAccount': 'My account',
  'launcher.apps': 'Applications you may use',
  'launcher.empty': 'There are no applications to show yet. Please contact the helpdesk if you need access to an application.',
  'launcher.welcomeTitle': 'Welcome',
  'launcher.welcome': "Sign in once with your official e-mail account to use the province's applications.",
  'launcher.signIn': 'Sign in',
  'clients.homeUrl': "Application's home page address",
  'clients.homeUrlHint': "An application with a home page address is listed on people's applications page. https only (http only for this machine's loopback address). Leave empty to leave it out.",
  'clients.description': 'Short description',
  'clients.descriptionHint': 'At most 200 characters, shown under the application name.',
  'clients.logo': 'Logo',
  'clients.logoCurrent': 'Current logo of {name}',
  'clients.logoNone': 'No logo yet.',
  'clients.logoFile': 'Upload a new logo',
  'clients.logoHint': 'A PNG or JPEG file, at most 256 KiB. SVG files are not accepted.',
  'clients.removeLogo': 'Remove the logo',
  'clients.error.homeUrl': "The home page address is not valid: it must be a full https address (http only for this machine's loopback address).",
  'clients.error.description': 'The short description is not valid: at most 200 characters, on one line.',
  'clients.error.logo': 'The logo is not valid: PNG or JPEG only, at most 256 KiB (SVG is not accepted).',
};

export type { LauncherKey };

export const launcherMessages: Readonly<Record<Locale, Readonly<Record<LauncherKey, string>>>> = Object.freeze({
  vi: Object.freeze({ ...vi }),
  en: Object.freeze({ ...en }),
});
