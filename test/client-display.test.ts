/** What the app launcher shows of an application, the pure rules: home URL, description, logo. */
import { describe, expect, it } from '@jest/globals';
import { checkDisplay, descriptionProblem, displayColumns, homeUrlProblem, logoEtag, logoPath, logoProblem, logoType, LOGO_MAX_BYTES } from '../src/clients/display.js';
import { launcherApp } from '../src/launcher/apps.js';
import type { ClientRecord } from '../src/db/repos/clients.js';
import { JPEG_HEAD, pngSquare, SVG } from './helpers/images.js';

describe('homeUrlProblem', () => {
  it.each(['https://hoso.tinh.gov.vn/', 'https://mail.tinh.gov.vn:8443/home?x=1', 'http://localhost:8080/', 'http://127.0.0.1/app', 'http://[::1]:3000/'])('accepts %s', (u) => {
    expect(homeUrlProblem(u)).toBeNull();
  });

  it.each([
    ['http://hoso.tinh.gov.vn/', /must use https/],
    ['http://10.0.0.5/', /must use https/],
    ['javascript:alert(1)', /must use https/],
    ['data:text/html,hi', /must use https/],
    ['ftp://files.tinh.gov.vn/', /must use https/],
    ['//hoso.tinh.gov.vn/', /absolute URL/],
    ['/relative', /absolute URL/],
    ['https://user:pw@hoso.tinh.gov.vn/', /credentials/],
  ])('refuses %s', (u, why) => {
    expect(homeUrlProblem(u)).toMatch(why);
  });

  it('refuses one over 2000 characters', () => {
    expect(homeUrlProblem(`https://hoso.tinh.gov.vn/${'a'.repeat(2000)}`)).toMatch(/longer than 2000/);
  });
});

describe('descriptionProblem', () => {
  it('accepts 200 characters of Vietnamese, refuses 201 and control characters', () => {
    expect(descriptionProblem('Hệ thống quản lý văn bản và điều hành')).toBeNull();
    expect(descriptionProblem('ệ'.repeat(200))).toBeNull();
    expect(descriptionProblem('ệ'.repeat(201))).toMatch(/at most 200/);
    expect(descriptionProblem('hai\ndòng')).toMatch(/one line/);
  });
});

describe('logos', () => {
  it('knows PNG and JPEG by their first bytes, nothing else', () => {
    expect(logoType(pngSquare(4, [0, 0, 0]))).toBe('image/png');
    expect(logoType(JPEG_HEAD)).toBe('image/jpeg');
    expect(logoType(SVG)).toBeNull();
    expect(logoType(Buffer.from('GIF89a'))).toBeNull();
    expect(logoType(Buffer.from([0x89, 0x50]))).toBeNull();
  });

  it('refuses an SVG (saying so), another type, an empty file and one over 256 KiB', () => {
    expect(logoProblem(pngSquare(8, [1, 2, 3]))).toBeNull();
    expect(logoProblem(SVG)).toMatch(/SVG is not accepted/);
    expect(logoProblem(Buffer.from('  <svg xmlns="http://www.w3.org/2000/svg"/>'))).toMatch(/SVG/);
    expect(logoProblem(Buffer.from('GIF89a....'))).toMatch(/PNG or JPEG/);
    expect(logoProblem(new Uint8Array(0))).toMatch(/empty/);
    const big = Buffer.concat([pngSquare(2, [0, 0, 0]), Buffer.alloc(LOGO_MAX_BYTES)]);
    expect(logoProblem(big)).toMatch(/at most 256 KiB/);
    expect(logoProblem(big.subarray(0, LOGO_MAX_BYTES))).toBeNull();
  });

  it('a strong ETag per content, and a versioned path', () => {
    const a = pngSquare(4, [1, 1, 1]);
    expect(logoEtag(a)).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(logoEtag(a)).toBe(logoEtag(Buffer.from(a)));
    expect(logoEtag(a)).not.toBe(logoEtag(pngSquare(4, [2, 2, 2])));
    expect(logoPath('app 1', '"abc"')).toBe('/apps/app%201/logo?v=abc');
    expect(logoPath('app', null)).toBeNull();
  });
});

describe('checkDisplay', () => {
  it('passes good values and removals; refuses a bad one with the page sentence of its field', () => {
    expect(() => checkDisplay({ homeUrl: ' https://hoso.tinh.gov.vn ', description: 'Hồ sơ', logo: pngSquare(2, [0, 0, 0]) })).not.toThrow();
    expect(() => checkDisplay({ homeUrl: '', description: null, logo: null })).not.toThrow();
    expect(() => checkDisplay({ homeUrl: 'http://hoso.tinh.gov.vn' })).toThrow(expect.objectContaining({ code: 'invalid_input', messageKey: 'clients.error.homeUrl', field: 'home_url' }));
    expect(() => checkDisplay({ logo: SVG })).toThrow(expect.objectContaining({ messageKey: 'clients.error.logo', field: 'logo' }));
    expect(() => checkDisplay({ description: 'x'.repeat(201) })).toThrow(expect.objectContaining({ messageKey: 'clients.error.description' }));
  });

  it("'' and null remove a text; absent leaves it", () => {
    expect(displayColumns({ homeUrl: '', description: '  ' })).toEqual({ homeUrl: null, description: null });
    expect(displayColumns({ homeUrl: ' https://a.example/ ' })).toEqual({ homeUrl: 'https://a.example/' });
    expect(displayColumns({})).toEqual({});
  });
});

describe('launcherApp', () => {
  const row = (over: Partial<ClientRecord>): ClientRecord => ({
    id: 'hoso', name: 'Hồ sơ', type: 'web', firstParty: true, secretHash: null, redirectUris: '[]', postLogoutRedirectUris: '[]', backchannelLogoutUri: null,
    releaseGroupDns: false, status: 'active', createdAt: new Date(), updatedAt: new Date(), secretRotatedAt: null, previousSecretHash: null, previousSecretUntil: null, homeUrl: 'https://hoso.tinh.gov.vn/', description: null, logoEtag: null,
    allowGroups: '[]', allowDepartments: '[]', allowOrganizations: '[]', ...over,
  });
  it('lists an active application with a home URL; not one without, nor a disabled one, nor the console', () => {
    expect(launcherApp(row({}))).toEqual({ clientId: 'hoso', name: 'Hồ sơ', description: null, homeUrl: 'https://hoso.tinh.gov.vn/', logoUrl: null });
    expect(launcherApp(row({ homeUrl: null }))).toBeNull();
    expect(launcherApp(row({ status: 'disabled' }))).toBeNull();
    expect(launcherApp(row({ id: 'sso-console' }))).toBeNull();
  });
});
