/**
 * The console's carrying of a new secret to its one page (src/console/secret-once.ts) and the
 * integration values it lists (src/admin/integration-values.ts). Pure.
 */
import { describe, expect, test } from '@jest/globals';
import { openSecret, sealSecret } from '../src/console/secret-once.js';
import { integrationValues } from '../src/admin/integration-values.js';
import type { ClientView } from '../src/clients/service.js';

describe('a new secret sealed for its page', () => {
  const keys = ['k-new-0123456789abcdef0123456789', 'k-old-0123456789abcdef0123456789'];
  const bind = 'account-1\0client-1';
  test('opens for the same person and client, under any cookie key, before its expiry', () => {
    const v = sealSecret(keys, bind, 'the-secret', 1000);
    expect(v).not.toContain('the-secret');
    expect(Buffer.from(v, 'base64url').toString('latin1')).not.toContain('the-secret');
    expect(openSecret(keys, bind, v, 999)).toBe('the-secret');
    expect(openSecret([keys[1]!, keys[0]!], bind, v, 999)).toBe('the-secret');
  });
  test('refused: expired, another person or client, another key set, tampered, not a string', () => {
    const v = sealSecret(keys, bind, 'the-secret', 1000);
    expect(openSecret(keys, bind, v, 1000)).toBeNull();
    expect(openSecret(keys, 'account-2\0client-1', v, 999)).toBeNull();
    expect(openSecret(keys, 'account-1\0client-2', v, 999)).toBeNull();
    expect(openSecret(['other-key-0123456789abcdef0123'], bind, v, 999)).toBeNull();
    const raw = Buffer.from(v, 'base64url');
    raw.writeUInt8(raw.readUInt8(raw.length - 1) ^ 1, raw.length - 1);
    expect(openSecret(keys, bind, raw.toString('base64url'), 999)).toBeNull();
    expect(openSecret(keys, bind, undefined, 999)).toBeNull();
    expect(openSecret(keys, bind, 'x'.repeat(5000), 999)).toBeNull();
  });
});

describe('integration values', () => {
  const view = (type: ClientView['type']): ClientView => ({
    client_id: 'abc', name: 'A', type, first_party: false, status: 'active', redirect_uris: type === 'service' ? [] : ['https://a.example/cb'],
    post_logout_redirect_uris: [], backchannel_logout_uri: null, release_group_dns: false, created_at: '', overlap_until: null, home_url: null, description: null, logo_url: null,
    access_policy: { groups: [], departments: [], organizations: [] },
  });
  const asMap = (rows: { name: string; values: string[] }[]) => Object.fromEntries(rows.map((r) => [r.name, r.values]));
  test('a web client: every endpoint, its URIs, client_secret_basic', () => {
    const m = asMap(integrationValues('https://sso.tinh.gov.vn', view('web')));
    expect(m).toMatchObject({
      issuer: ['https://sso.tinh.gov.vn'], discovery: ['https://sso.tinh.gov.vn/.well-known/openid-configuration'], clientId: ['abc'],
      authMethod: ['client_secret_basic'], authorization: ['https://sso.tinh.gov.vn/auth'], token: ['https://sso.tinh.gov.vn/token'],
      userinfo: ['https://sso.tinh.gov.vn/me'], endSession: ['https://sso.tinh.gov.vn/session/end'], jwks: ['https://sso.tinh.gov.vn/jwks'],
      redirectUris: ['https://a.example/cb'], postLogoutUris: [], backchannel: [],
    });
  });
  test('a public client authenticates with none (PKCE); a service has no browser endpoints; an issuer with a path', () => {
    expect(asMap(integrationValues('https://x.example/sso', view('spa'))).authMethod).toEqual(['none']);
    const s = asMap(integrationValues('https://x.example/sso/', view('service')));
    expect(Object.keys(s)).toEqual(['issuer', 'discovery', 'clientId', 'authMethod', 'token', 'jwks']);
    expect(s.token).toEqual(['https://x.example/sso/token']);
  });
});
