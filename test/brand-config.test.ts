/** BRAND_* and HELPDESK_GROUPS as start-up reads them: the contrast check, the link rule, DNs. */
import { describe, expect, test } from '@jest/globals';
import { contrastRatio, parseHexColor } from '../src/domain/contrast.js';
import { ConfigError, parseEnv } from '../src/config/load.js';

const base = { NODE_ENV: 'test', ISSUER: 'http://localhost:3000', DATABASE_URL: 'file:./x.db', LDAP_BASE_DN: 'dc=tinh,dc=gov,dc=vn' };
function problems(env: Record<string, string>): string[] {
  try {
    parseEnv({ ...base, ...env });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('contrast (WCAG 2.x)', () => {
  test('black on white is 21:1, white on white 1:1', () => {
    expect(contrastRatio([0, 0, 0], [255, 255, 255])).toBeCloseTo(21, 5);
    expect(contrastRatio([255, 255, 255], [255, 255, 255])).toBeCloseTo(1, 5);
  });
  test('known pairs: #777777 is 4.48:1 on white, #767676 is 4.54:1', () => {
    expect(contrastRatio(parseHexColor('#777777')!, [255, 255, 255])).toBeCloseTo(4.48, 2);
    expect(contrastRatio(parseHexColor('#767676')!, [255, 255, 255])).toBeCloseTo(4.54, 2);
  });
  test('#abc is #aabbcc; other forms are not colours', () => {
    expect(parseHexColor('#abc')).toEqual([0xaa, 0xbb, 0xcc]);
    for (const bad of ['red', '#12345', 'rgb(0,0,0)', '#gggggg', '']) expect(parseHexColor(bad)).toBeUndefined();
  });
});

describe('BRAND_* settings', () => {
  test('a province name, footer and dark colour are taken as given', () => {
    const c = parseEnv({ ...base, BRAND_NAME: ' Hệ thống đăng nhập một lần – UBND tỉnh Nam Định ', BRAND_PRIMARY_COLOR: '#A31D1D', BRAND_FOOTER: 'Số 1 Lê Hồng Phong – 0228 3xxx xxx', PASSWORD_HELP_URL: 'https://mail.namdinh.gov.vn/h/changepass' });
    expect(c.brand).toEqual({ name: 'Hệ thống đăng nhập một lần – UBND tỉnh Nam Định', logoFile: undefined, primaryColor: '#a31d1d', footer: 'Số 1 Lê Hồng Phong – 0228 3xxx xxx', passwordHelpUrl: 'https://mail.namdinh.gov.vn/h/changepass' });
  });
  test('a colour below 4.5:1 against white is refused, with its ratio', () => {
    const p = problems({ BRAND_PRIMARY_COLOR: '#777777' });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^BRAND_PRIMARY_COLOR: #777777 has a contrast of 4\.48:1/);
    expect(problems({ BRAND_PRIMARY_COLOR: '#767676' })).toEqual([]);
    expect(problems({ BRAND_PRIMARY_COLOR: 'đỏ' })[0]).toMatch(/#rrggbb/);
  });
  test('the password help link is https (http on loopback only), without credentials', () => {
    for (const bad of ['http://mail.tinh.gov.vn/', 'javascript:alert(1)', 'https://u:p@mail.tinh.gov.vn/', 'mail.tinh.gov.vn']) expect(problems({ PASSWORD_HELP_URL: bad })[0]).toMatch(/^PASSWORD_HELP_URL:/);
    expect(problems({ PASSWORD_HELP_URL: 'http://127.0.0.1:8080/pw' })).toEqual([]);
  });
  test('name and footer are one line', () => {
    expect(problems({ BRAND_NAME: 'a\nb' })[0]).toMatch(/^BRAND_NAME: must be one line/);
    expect(problems({ BRAND_FOOTER: 'a\u0007b' })[0]).toMatch(/^BRAND_FOOTER: must be one line/);
  });
});

describe('HELPDESK_GROUPS', () => {
  test('group DNs in normal form, as ADMIN_GROUPS', () => {
    const c = parseEnv({ ...base, HELPDESK_GROUPS: 'CN=HoTro-SSO, OU=groups,dc=tinh,dc=gov,dc=vn' });
    expect(c.admin.helpdeskGroups).toEqual(['cn=hotro-sso,ou=groups,dc=tinh,dc=gov,dc=vn']);
  });
  test('a bare group name is refused under its own setting name', () => {
    expect(problems({ HELPDESK_GROUPS: 'hotro-sso' })[0]).toMatch(/^HELPDESK_GROUPS: "hotro-sso" is not a DN/);
  });
});
