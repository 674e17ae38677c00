/** The host check and the public documents' caching, as pure functions (src/web/host.ts, src/oidc/caching.ts). */
import { describe, expect, it } from '@jest/globals';
import { ADDRESS_PATHS, isIssuerHost, isMisdirected, misdirectedBody, namedHosts, pinToIssuer } from '../src/web/host.js';
import { jwksMaxAge, publicCacheControl } from '../src/oidc/caching.js';

const HTTPS = new URL('https://sso.tinh.gov.vn');
const HTTP_PORT = new URL('http://127.0.0.1:3000');

describe('isIssuerHost', () => {
  it('matches the issuer host in any case, with or without the default port', () => {
    for (const h of ['sso.tinh.gov.vn', 'SSO.Tinh.Gov.VN', 'sso.tinh.gov.vn:443']) expect(isIssuerHost(h, HTTPS)).toBe(true);
    expect(isIssuerHost('127.0.0.1:3000', HTTP_PORT)).toBe(true);
  });
  it('refuses any other host, port, or a value that is more than a host', () => {
    for (const h of ['evil.example', 'sso.tinh.gov.vn:8443', 'sso.tinh.gov.vn.', 'sso.tinh.gov.vn.evil.example', 'evil@sso.tinh.gov.vn', 'sso.tinh.gov.vn/x', 'sso.tinh.gov.vn?x', 'sso.tinh.gov.vn#x', 'sso.tinh.gov.vn\\x', 'sso.tinh.gov.vn x', '', '[::1', ':443']) {
      expect({ h, ok: isIssuerHost(h, HTTPS) }).toEqual({ h, ok: false });
    }
    for (const h of ['127.0.0.1', '127.0.0.1:80', 'localhost:3000', '[::1]:3000']) expect(isIssuerHost(h, HTTP_PORT)).toBe(false);
  });
});

describe('namedHosts and isMisdirected', () => {
  it('reads X-Forwarded-Host (every value) only behind a trusted proxy, else Host', () => {
    const headers = { host: '127.0.0.1:3000', 'x-forwarded-host': 'sso.tinh.gov.vn, evil.example' };
    expect(namedHosts(headers, true)).toEqual(['sso.tinh.gov.vn', 'evil.example']);
    expect(namedHosts(headers, false)).toEqual(['127.0.0.1:3000']);
    expect(namedHosts({ host: 'sso.tinh.gov.vn' }, true)).toEqual(['sso.tinh.gov.vn']);
    expect(namedHosts({}, false)).toEqual(['']);
    expect(isMisdirected(headers, true, HTTPS)).toBe(true);
    expect(isMisdirected({ host: '127.0.0.1:3000', 'x-forwarded-host': 'sso.tinh.gov.vn' }, true, HTTPS)).toBe(false);
    expect(isMisdirected({ host: 'sso.tinh.gov.vn', 'x-forwarded-host': 'evil.example' }, false, HTTPS)).toBe(false);
    expect(isMisdirected({}, false, HTTPS)).toBe(true);
  });

  it('pins a checked request to the issuer: host, scheme behind the proxy, no X-Forwarded-Host', () => {
    const behind: Record<string, string> = { host: '127.0.0.1:3000', 'x-forwarded-host': 'SSO.tinh.gov.vn:443', 'x-forwarded-proto': 'http' };
    pinToIssuer(behind, true, HTTPS);
    expect(behind).toEqual({ host: 'sso.tinh.gov.vn', 'x-forwarded-proto': 'https' });
    const direct: Record<string, string> = { host: '127.0.0.1:3000', 'x-forwarded-proto': 'https' };
    pinToIssuer(direct, false, HTTP_PORT);
    // without a trusted proxy the forwarded scheme is not read anyway, and left alone
    expect(direct).toEqual({ host: '127.0.0.1:3000', 'x-forwarded-proto': 'https' });
  });

  it('leaves the probes their paths, and answers others in both languages naming the issuer', () => {
    expect([...ADDRESS_PATHS].sort()).toEqual(['/healthz', '/metrics', '/readyz']);
    expect(misdirectedBody('https://sso.tinh.gov.vn')).toBe(
      'Máy chủ này chỉ phục vụ tại địa chỉ https://sso.tinh.gov.vn. Vui lòng truy cập đúng địa chỉ đó.\nThis server answers only at https://sso.tinh.gov.vn. Please use that address.\n',
    );
  });
});

describe('caching of discovery and the JWKS', () => {
  it('keeps the JWKS no longer than a new key takes to start signing after every instance has it', () => {
    expect(jwksMaxAge({ activationDelaySeconds: 120, refreshIntervalSeconds: 30 })).toBe(90);
    expect(jwksMaxAge({ activationDelaySeconds: 3600, refreshIntervalSeconds: 30 })).toBe(300);
    expect(jwksMaxAge({ activationDelaySeconds: 0, refreshIntervalSeconds: 30 })).toBe(0);
    expect(jwksMaxAge({ activationDelaySeconds: 30, refreshIntervalSeconds: 30 })).toBe(0);
    expect(publicCacheControl(90)).toBe('public, max-age=90');
    expect(publicCacheControl(0)).toBe('no-cache');
  });
});
