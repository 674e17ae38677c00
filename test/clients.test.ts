/** Registered applications, the pure parts: redirect URI rules, validation, secrets, metadata. */
import { afterAll, beforeAll, describe, expect, it, jest, test } from '@jest/globals';
import { redirectUriProblem } from '../src/clients/redirect-uri.js';
import { newClientId, newClientProblems, type NewClient } from '../src/clients/service.js';
import { generateClientSecret, hashClientSecret, verifyClientSecret } from '../src/clients/secret.js';
import { clientMetadata, parseUriList } from '../src/clients/metadata.js';
import type { ClientRow, ClientType } from '../src/clients/types.js';
import { generateJwk } from '../src/keys/store.js';

describe('redirectUriProblem', () => {
  it.each([
    ['https://app.tinh.gov.vn/callback', 'web'],
    ['https://app.tinh.gov.vn:8443/cb?tenant=1', 'web'],
    ['https://spa.tinh.gov.vn/', 'spa'],
    ['http://localhost:8080/cb', 'web'],
    ['http://127.0.0.1/cb', 'spa'],
    ['http://[::1]:5000/cb', 'web'],
    ['vn.gov.tinh.app:/oauth2redirect', 'native'],
    ['com.example.mobile://callback', 'native'],
    ['http://127.0.0.1:49152/cb', 'native'],
    ['http://[::1]/cb', 'native'],
    ['https://app.tinh.gov.vn/native-cb', 'native'],
  ] as [string, ClientType][])('accepts %s for a %s client', (uri, type) => {
    expect(redirectUriProblem(uri, type)).toBeNull();
  });

  it.each([
    ['http://app.tinh.gov.vn/cb', 'web', /must use https/],
    ['http://localhost.evil.example/cb', 'web', /must use https/],
    ['http://10.0.0.5/cb', 'spa', /must use https/],
    ['http://app.tinh.gov.vn/cb', 'native', /must use https/],
    ['https://app.tinh.gov.vn/cb#frag', 'web', /fragment/],
    ['https://app.tinh.gov.vn/cb#', 'web', /fragment/],
    ['vn.gov.tinh.app:/cb#x', 'native', /fragment/],
    ['https://user:pw@app.tinh.gov.vn/cb', 'web', /credentials/],
    ['myapp://callback', 'native', /reverse-domain/],
    ['vn.gov.tinh.app:/cb', 'web', /only https/],
    ['vn.gov.tinh.app:/cb', 'spa', /only https/],
    ['javascript:alert(1)', 'web', /only https/],
    ['/relative/cb', 'web', /absolute URL/],
    ['not a uri', 'native', /absolute URL/],
    [`https://app.tinh.gov.vn/${'a'.repeat(2000)}`, 'web', /longer than 2000/],
  ] as [string, ClientType, RegExp][])('refuses %s for a %s client', (uri, type, why) => {
    expect(redirectUriProblem(uri, type)).toMatch(why);
  });

  it('names the offending scheme', () => {
    expect(redirectUriProblem('myapp://callback', 'native')).toContain('"myapp"');
    expect(redirectUriProblem('ftp://files.tinh.gov.vn/cb', 'web')).toContain('"ftp"');
  });
});

describe('newClientProblems', () => {
  const web: NewClient = { name: 'Cổng dịch vụ công', type: 'web', redirectUris: ['https://dvc.tinh.gov.vn/cb'] };

  it('a valid client of every type has no problems', () => {
    expect(newClientProblems(web)).toEqual([]);
    expect(newClientProblems({ name: 'SPA', type: 'spa', redirectUris: ['https://spa.tinh.gov.vn/cb'], postLogoutRedirectUris: ['https://spa.tinh.gov.vn/'] })).toEqual([]);
    expect(newClientProblems({ name: 'App', type: 'native', redirectUris: ['vn.gov.tinh.app:/cb', 'http://127.0.0.1/cb'] })).toEqual([]);
    expect(newClientProblems({ name: 'Batch job', type: 'service', redirectUris: [], id: 'batch-job_1.v2~x' })).toEqual([]);
    expect(newClientProblems({ ...web, backchannelLogoutUri: 'https://dvc.tinh.gov.vn/logout' })).toEqual([]);
  });

  it('refuses an unknown type', () => {
    expect(newClientProblems({ ...web, type: 'desktop' as ClientType })).toEqual([expect.stringMatching(/type must be one of web, spa, native, service/)]);
  });

  it('refuses an empty or overlong name', () => {
    expect(newClientProblems({ ...web, name: '   ' })).toEqual(['name must be 1 to 200 characters']);
    expect(newClientProblems({ ...web, name: 'x'.repeat(201) })).toEqual(['name must be 1 to 200 characters']);
  });

  it('refuses a malformed client id', () => {
    for (const id of ['ab', 'has space', 'slash/es', 'x'.repeat(101), 'ngườidùng']) {
      expect(newClientProblems({ ...web, id })).toEqual([expect.stringMatching(/^client id must be/)]);
    }
  });

  it('requires redirect URIs except for service clients, which must have none', () => {
    expect(newClientProblems({ ...web, redirectUris: [] })).toEqual(['at least one --redirect-uri is required']);
    expect(newClientProblems({ name: 'S', type: 'service', redirectUris: ['https://x.tinh.gov.vn/cb'] })).toEqual(['a service client has no redirect URIs']);
  });

  it('checks every redirect, post-logout and back-channel URI, naming each', () => {
    const problems = newClientProblems({
      ...web,
      redirectUris: ['https://ok.tinh.gov.vn/cb', 'http://bad.tinh.gov.vn/cb'],
      postLogoutRedirectUris: ['https://ok.tinh.gov.vn/#home'],
      backchannelLogoutUri: 'http://bad.tinh.gov.vn/bc',
    });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^redirect URI http:\/\/bad\.tinh\.gov\.vn\/cb must use https/);
    expect(problems[1]).toMatch(/^post-logout redirect URI https:\/\/ok\.tinh\.gov\.vn\/#home must not contain a fragment/);
    expect(problems[2]).toMatch(/^back-channel logout URI http:\/\/bad\.tinh\.gov\.vn\/bc must use https/);
  });

  it('applies the client type to redirect URIs (a private scheme only for native)', () => {
    expect(newClientProblems({ ...web, redirectUris: ['vn.gov.tinh.app:/cb'] })).toHaveLength(1);
    expect(newClientProblems({ ...web, type: 'native', redirectUris: ['vn.gov.tinh.app:/cb'] })).toEqual([]);
  });

  it('lists every problem at once', () => {
    expect(newClientProblems({ name: '', type: 'web', redirectUris: [], id: '!' })).toHaveLength(3);
  });
});

describe('client secrets', () => {
  it('generates 256-bit base64url secrets, different each time', () => {
    const a = generateClientSecret();
    const b = generateClientSecret();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(a).not.toBe(b);
  });

  it('the right secret verifies, a wrong one does not', () => {
    const secret = generateClientSecret();
    const stored = hashClientSecret(secret);
    expect(stored).toMatch(/^hs256\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]{43}$/);
    expect(stored).not.toContain(secret);
    expect(verifyClientSecret(secret, stored)).toBe(true);
    expect(verifyClientSecret(secret + 'x', stored)).toBe(false);
    expect(verifyClientSecret(secret.slice(0, -1), stored)).toBe(false);
    expect(verifyClientSecret('', stored)).toBe(false);
    expect(verifyClientSecret(generateClientSecret(), stored)).toBe(false);
    // presenting the stored hash itself is not the secret
    expect(verifyClientSecret(stored, stored)).toBe(false);
  });

  it('non-string input, missing or malformed stored values are false, never a throw', () => {
    const stored = hashClientSecret('s3cret');
    for (const presented of [undefined, null, 42, {}, ['s3cret'], Buffer.from('s3cret')]) {
      expect(verifyClientSecret(presented, stored)).toBe(false);
    }
    expect(verifyClientSecret('s3cret', null)).toBe(false);
    expect(verifyClientSecret('s3cret', undefined)).toBe(false);
    expect(verifyClientSecret('s3cret', 's3cret')).toBe(false);
    expect(verifyClientSecret('s3cret', 'hs256$onlysalt')).toBe(false);
    expect(verifyClientSecret('s3cret', stored.replace(/^hs256/, 'md5'))).toBe(false);
    const [p, salt, mac] = stored.split('$');
    expect(verifyClientSecret('s3cret', `${p}$${salt}$${mac!.slice(0, 10)}`)).toBe(false);
  });

  it('salts differ: the same secret hashes differently each time, and each verifies', () => {
    const a = hashClientSecret('same-secret');
    const b = hashClientSecret('same-secret');
    expect(a).not.toBe(b);
    expect(a.split('$')[1]).not.toBe(b.split('$')[1]);
    expect(verifyClientSecret('same-secret', a)).toBe(true);
    expect(verifyClientSecret('same-secret', b)).toBe(true);
  });

  it('is deterministic for a given salt, and the salt matters', () => {
    expect(hashClientSecret('x', 'salt1')).toBe(hashClientSecret('x', 'salt1'));
    expect(hashClientSecret('x', 'salt1').split('$')[2]).not.toBe(hashClientSecret('x', 'salt2').split('$')[2]);
  });
});

describe('clientMetadata', () => {
  const row = (over: Partial<ClientRow>): ClientRow => ({
    id: 'client-1',
    name: 'Client one',
    type: 'web',
    firstParty: false,
    secretHash: null,
    redirectUris: '["https://app.tinh.gov.vn/cb"]',
    postLogoutRedirectUris: '[]',
    backchannelLogoutUri: null,
    releaseGroupDns: false,
    status: 'active',
    ...over,
  });

  it('web: confidential, client_secret_basic with the stored hash as client_secret', () => {
    const hash = hashClientSecret('the-secret');
    const m = clientMetadata(row({ type: 'web', secretHash: hash, firstParty: true, postLogoutRedirectUris: '["https://app.tinh.gov.vn/"]' }));
    expect(m).toMatchObject({
      client_id: 'client-1',
      client_name: 'Client one',
      client_type: 'web',
      first_party: true,
      application_type: 'web',
      token_endpoint_auth_method: 'client_secret_basic',
      client_secret: hash,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['https://app.tinh.gov.vn/cb'],
      post_logout_redirect_uris: ['https://app.tinh.gov.vn/'],
      release_group_dns: false,
    });
    expect(m).not.toHaveProperty('backchannel_logout_uri');
    expect(clientMetadata(row({ releaseGroupDns: true })).release_group_dns).toBe(true);
  });

  it.each(['spa', 'native'] as const)('%s: public, token_endpoint_auth_method none and no client_secret', (type) => {
    const redirect = type === 'native' ? 'vn.gov.tinh.app:/cb' : 'https://spa.tinh.gov.vn/cb';
    const m = clientMetadata(row({ type, redirectUris: JSON.stringify([redirect]), secretHash: hashClientSecret('should-not-leak') }));
    expect(m.token_endpoint_auth_method).toBe('none');
    expect(m).not.toHaveProperty('client_secret');
    expect(m.application_type).toBe(type === 'native' ? 'native' : 'web');
    expect(m.grant_types).toEqual(['authorization_code', 'refresh_token']);
    expect(m.response_types).toEqual(['code']);
    expect(m.redirect_uris).toEqual([redirect]);
    expect(m.client_type).toBe(type);
  });

  it('service: client_credentials only, no redirect URIs, no response types, secret hash', () => {
    const hash = hashClientSecret('svc');
    const m = clientMetadata(row({ type: 'service', secretHash: hash, redirectUris: '[]' }));
    expect(m).toMatchObject({
      client_id: 'client-1',
      client_type: 'service',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      client_secret: hash,
    });
    expect(m).not.toHaveProperty('post_logout_redirect_uris');
    expect(m).not.toHaveProperty('backchannel_logout_uri');
  });

  it('service ignores redirect URIs even if some were stored', () => {
    expect(clientMetadata(row({ type: 'service', redirectUris: '["https://x.tinh.gov.vn/cb"]' })).redirect_uris).toEqual([]);
  });

  it('maps the back-channel logout URI and requires the session id', () => {
    const m = clientMetadata(row({ backchannelLogoutUri: 'https://app.tinh.gov.vn/bc-logout' }));
    expect(m.backchannel_logout_uri).toBe('https://app.tinh.gov.vn/bc-logout');
    expect(m.backchannel_logout_session_required).toBe(true);
    const spa = clientMetadata(row({ type: 'spa', backchannelLogoutUri: 'https://spa.tinh.gov.vn/bc' }));
    expect(spa.backchannel_logout_uri).toBe('https://spa.tinh.gov.vn/bc');
  });

  it('parseUriList keeps strings only and tolerates non-arrays', () => {
    expect(parseUriList('["https://a.example/cb", 3, null, "https://b.example/cb"]')).toEqual(['https://a.example/cb', 'https://b.example/cb']);
    expect(parseUriList('{"a":1}')).toEqual([]);
    expect(parseUriList('[]')).toEqual([]);
  });
});

describe('clientMetadata is accepted by oidc-provider (default SIGNING_ALGS)', () => {
  const rows: Record<ClientType, ClientRow> = {
    web: { id: 'v-web', name: 'Web', type: 'web', firstParty: true, secretHash: hashClientSecret('w'), redirectUris: '["https://app.tinh.gov.vn/cb"]', postLogoutRedirectUris: '["https://app.tinh.gov.vn/"]', backchannelLogoutUri: 'https://app.tinh.gov.vn/bc', releaseGroupDns: true, status: 'active' },
    spa: { id: 'v-spa', name: 'SPA', type: 'spa', firstParty: false, secretHash: null, redirectUris: '["https://spa.tinh.gov.vn/cb"]', postLogoutRedirectUris: '[]', backchannelLogoutUri: null, releaseGroupDns: false, status: 'active' },
    native: { id: 'v-native', name: 'Native', type: 'native', firstParty: false, secretHash: null, redirectUris: '["vn.gov.tinh.app:/cb","http://127.0.0.1/cb"]', postLogoutRedirectUris: '[]', backchannelLogoutUri: null, releaseGroupDns: false, status: 'active' },
    service: { id: 'v-svc', name: 'Service', type: 'service', firstParty: false, secretHash: hashClientSecret('s'), redirectUris: '[]', postLogoutRedirectUris: '[]', backchannelLogoutUri: null, releaseGroupDns: false, status: 'active' },
  };

  const jwks = [generateJwk('ES256'), generateJwk('RS256')];
  // oidc-provider's start-up notices (dev adapter, dev interactions, Node version) are not about clients
  let warn: ReturnType<typeof jest.spyOn>;
  beforeAll(() => {
    warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  });
  afterAll(() => warn.mockRestore());

  it.each(Object.keys(rows) as ClientType[])('%s', async (type) => {
    const { default: Provider } = await import('oidc-provider');
    // the settings of src/oidc/configuration.ts that client validation depends on, with the default SIGNING_ALGS
    const provider = new Provider('http://localhost:3000', {
      responseTypes: ['code'],
      clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
      enabledJWA: { idTokenSigningAlgValues: ['ES256', 'RS256'] },
      jwks: { keys: jwks as never },
      extraClientMetadata: { properties: ['client_type', 'first_party', 'release_group_dns'] },
      features: { backchannelLogout: { enabled: true }, clientCredentials: { enabled: true } },
    });
    const meta = clientMetadata(rows[type]);
    await expect(provider.Client.validate(meta as never).catch((e: { error_description?: string }) => Promise.reject(new Error(e.error_description)))).resolves.toBeUndefined();
  });
});

describe('generated client ids', () => {
  test('never begin with "-" or "_", so the command line never reads one as an option', () => {
    const ids = Array.from({ length: 2000 }, () => newClientId());
    expect(ids.every((id) => /^[A-Za-z0-9][A-Za-z0-9_-]{21}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
