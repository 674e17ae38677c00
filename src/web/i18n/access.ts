/**
 * Texts of the per-application access policy: the page a person the application does not admit
 * sees, and the policy's fields and problems in the console's application form. Vietnamese
 * first, English second (a missing or extra English key is a compile error).
 */
import type { Locale } from './locales.js';

const vi = {
  'access.title': 'Không có quyền truy cập',
  'access.refused': 'Không có quyền truy cập ứng dụng {app}',
  'access.why': 'Tài khoản {name} chưa được cấp quyền sử dụng ứng dụng này. Nếu bạn cần sử dụng, hãy liên hệ bộ phận hỗ trợ hoặc đơn vị quản lý ứng dụng.',
  'access.back': 'Quay lại {app}',
  'access.launcher': 'Các ứng dụng của tôi',
  'clients.access': 'Ai được sử dụng ứng dụng',
  'clients.accessHint': 'Người thuộc một trong các nhóm, phòng ban hoặc cơ quan dưới đây được sử dụng ứng dụng. Để trống cả ba ô: mọi người đều được sử dụng. Mỗi dòng một giá trị.',
  'clients.accessGroups': 'Nhóm trong thư mục (DN của nhóm)',
  'clients.accessGroupsHint': 'Ví dụ: cn=ke-toan,ou=groups,dc=tinh,dc=gov,dc=vn',
  'clients.accessDepartments': 'Phòng ban',
  'clients.accessOrganizations': 'Cơ quan, đơn vị',
  'clients.accessEveryone': 'Mọi người đều được sử dụng',
  'clients.error.access.groups.not_dn': 'Nhóm "{value}" chưa hợp lệ: hãy ghi DN đầy đủ của nhóm, ví dụ cn=ke-toan,ou=groups,dc=tinh,dc=gov,dc=vn.',
  'clients.error.access.too_many': 'Tối đa {max} giá trị cho mỗi ô.',
  'clients.error.access.too_long': 'Giá trị "{value}…" quá dài.',
  'clients.error.access.control': 'Giá trị "{value}" có ký tự không được phép.',
};

type AccessKey = keyof typeof vi;

const en: Record<AccessKey, string> = {
  'access.title': 'No access',
  'access.refused': 'No access to the application {app}',
  'access.why': 'The account {name} has not been given access to this application. If you need it, contact the helpdesk or the office that runs the application.',
  'access.back': 'Back to {app}',
  'access.launcher': 'My applications',
  'clients.access': 'Who may use the application',
  'clients.accessHint': 'People in one of the groups, departments or organisations below may use the application. All three empty: everyone may. One value a line.',
  'clients.accessGroups': 'Directory groups (the group\'s DN)',
  'clients.accessGroupsHint': 'For example: cn=ke-toan,ou=groups,dc=tinh,dc=gov,dc=vn',
  'clients.accessDepartments': 'Departments',
  'clients.accessOrganizations': 'Organisations',
  'clients.accessEveryone': 'Everyone may use it',
  'clients.error.access.groups.not_dn': 'The group "{value}" is not valid: write the group\'s whole DN, for example cn=ke-toan,ou=groups,dc=tinh,dc=gov,dc=vn.',
  'clients.error.access.too_many': 'At most {max} values in each box.',
  'clients.error.access.too_long': 'The value "{value}…" is too long.',
  'clients.error.access.control': 'The value "{value}" holds a character that is not allowed.',
};

export type { AccessKey };
export const accessMessages: Readonly<Record<Locale, Readonly<Record<AccessKey, string>>>> = Object.freeze({ vi: Object.freeze(vi), en: Object.freeze(en) });
