/** The certificate login's settings and TRUSTED_PROXIES: parsed, combined with TRUST_PROXY, refused when unsafe. */
import { describe, expect, it } from '@jest/globals';
import { ConfigError, parseEnv } from '../src/config/load.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseEnv(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

const ISSUER = 'https://sso.tinh.gov.vn';
const CERT = { ISSUER, TRUSTED_PROXIES: '127.0.0.1/32', CERT_LOGIN_URL: 'https://sso.tinh.gov.vn:8443', CERT_CA_FILE: '/etc/sso/cert-ca.pem' };

describe('TRUSTED_PROXIES', () => {
  it('stands for TRUST_PROXY (an https issuer starts); TRUST_PROXY alone keeps working as before', () => {
    const c = parseEnv({ ISSUER, TRUSTED_PROXIES: '127.0.0.1, 10.10.1.0/24 2001:db8::/64' });
    expect(c.trustProxy).toBe(true);
    expect(c.trustedProxies.map((n) => n.text)).toEqual(['127.0.0.1/32', '10.10.1.0/24', '2001:db8::/64']);
    const old = parseEnv({ ISSUER, TRUST_PROXY: 'true' });
    expect(old.trustProxy).toBe(true);
    expect(old.trustedProxies).toEqual([]);
    expect(parseEnv({}).trustProxy).toBe(false);
  });

  it('a wrong network is named', () => {
    expect(problemsOf({ TRUSTED_PROXIES: '10.1.2.3/16' }).join()).toMatch(/TRUSTED_PROXIES: .*host bits set/);
  });
});

describe('CERT_*', () => {
  it('off by default; on with its defaults', () => {
    expect(parseEnv({}).certificate).toBeUndefined();
    expect(parseEnv(CERT).certificate).toEqual({ loginUrl: 'https://sso.tinh.gov.vn:8443', caFile: '/etc/sso/cert-ca.pem', crlFile: undefined, header: 'x-ssl-client-cert', map: 'uid', firstFactor: false });
    expect(parseEnv({ ...CERT, CERT_MAP: 'email', CERT_FIRST_FACTOR: 'true', CERT_CRL_FILE: '/etc/sso/crl.pem', CERT_HEADER: 'X-Client-Cert' }).certificate).toMatchObject({ map: 'email', firstFactor: true, crlFile: '/etc/sso/crl.pem', header: 'x-client-cert' });
  });

  it('attribute:<name> with an LDAP directory', () => {
    const ldap = { LDAP_URL: 'ldap://127.0.0.1:389', LDAP_BIND_DN: 'cn=sso,dc=tinh,dc=gov,dc=vn', LDAP_BIND_PASSWORD: 'x', LDAP_BASE_DN: 'dc=tinh,dc=gov,dc=vn', LDAP_MAIL_DOMAINS: 'tinh.gov.vn' };
    expect(parseEnv({ ...CERT, ...ldap, CERT_MAP: 'attribute:description' }).certificate?.map).toEqual({ attribute: 'description' });
  });

  it('refuses what would be unsafe or cannot work, naming each setting', () => {
    const p = problemsOf({ ISSUER, TRUST_PROXY: 'true', CERT_LOGIN_URL: 'https://sso.tinh.gov.vn/cert', CERT_MAP: 'serial', CERT_HEADER: 'bad header' });
    expect(p.join('\n')).toMatch(/CERT_LOGIN_URL: only a scheme/);
    expect(p.join('\n')).toMatch(/CERT_LOGIN_URL: must be another host or port/);
    expect(p.join('\n')).toMatch(/CERT_CA_FILE: required/);
    expect(p.join('\n')).toMatch(/TRUSTED_PROXIES: required with CERT_LOGIN_URL/);
    expect(p.join('\n')).toMatch(/CERT_MAP: must be uid, email or attribute:<LDAP attribute name>/);
    expect(p.join('\n')).toMatch(/CERT_HEADER/);
    expect(problemsOf({ ...CERT, NODE_ENV: 'production', COOKIE_KEYS: 'x'.repeat(32), KEY_ENCRYPTION_SECRET: 'y'.repeat(32), CERT_LOGIN_URL: 'http://sso.tinh.gov.vn:8080' }).join()).toMatch(/CERT_LOGIN_URL: must be https/);
    expect(problemsOf({ CERT_FIRST_FACTOR: 'true' }).join()).toMatch(/CERT_FIRST_FACTOR: needs CERT_LOGIN_URL/);
    expect(problemsOf({ ...CERT, CERT_MAP: 'attribute:description' }).join()).toMatch(/CERT_MAP: attribute:<name> needs an LDAP directory/);
    expect(problemsOf({ ...CERT, CERT_MAP: 'attribute:(bad)' }).join()).toMatch(/CERT_MAP: must be/);
  });
});
