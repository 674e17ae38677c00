import { describe, expect, it } from '@jest/globals';
import { splitVietnameseName } from '../src/directory/names.js';

describe('splitVietnameseName', () => {
  it('splits family / middle / given', () => {
    expect(splitVietnameseName('Nguyễn Thị Minh Khai')).toEqual({ familyName: 'Nguyễn', middleName: 'Thị Minh', givenName: 'Khai' });
    expect(splitVietnameseName('Trần Văn An')).toEqual({ familyName: 'Trần', middleName: 'Văn', givenName: 'An' });
    expect(splitVietnameseName('Hoàng Thị Thu Hà')).toEqual({ familyName: 'Hoàng', middleName: 'Thị Thu', givenName: 'Hà' });
  });

  it('two words: family and given, no middle name', () => {
    expect(splitVietnameseName('Lê Văn')).toEqual({ familyName: 'Lê', middleName: null, givenName: 'Văn' });
  });

  it('one word: given name only', () => {
    expect(splitVietnameseName('Khai')).toEqual({ familyName: null, middleName: null, givenName: 'Khai' });
    expect(splitVietnameseName('  Khai\t')).toEqual({ familyName: null, middleName: null, givenName: 'Khai' });
  });

  it('nothing usable: all null', () => {
    const none = { familyName: null, middleName: null, givenName: null };
    expect(splitVietnameseName('')).toEqual(none);
    expect(splitVietnameseName('   \t\n ')).toEqual(none);
    expect(splitVietnameseName('\u200b\u0000')).toEqual(none);
    expect(splitVietnameseName(undefined as unknown as string)).toEqual(none);
    expect(splitVietnameseName(42 as unknown as string)).toEqual(none);
  });

  it('collapses any whitespace (tabs, new lines, no-break and ideographic spaces)', () => {
    expect(splitVietnameseName('  Nguyễn \t Thị\u00a0\u00a0Minh\n\u3000Khai  ')).toEqual({ familyName: 'Nguyễn', middleName: 'Thị Minh', givenName: 'Khai' });
  });

  it('NFD input gives NFC output', () => {
    const nfd = 'Nguyễn Thị Minh Khải'.normalize('NFD');
    expect(nfd).not.toBe(nfd.normalize('NFC'));
    const r = splitVietnameseName(nfd);
    expect(r).toEqual({ familyName: 'Nguyễn', middleName: 'Thị Minh', givenName: 'Khải' });
    for (const v of Object.values(r)) expect(v).toBe((v as string).normalize('NFC'));
    // combining marks are not word separators
    expect(splitVietnameseName('Đặng Thuỳ Dương'.normalize('NFD')).givenName).toBe('Dương');
  });

  it('drops control and format characters', () => {
    expect(splitVietnameseName('Phạm\u0007 Văn\u200b Đồng\u202e')).toEqual({ familyName: 'Phạm', middleName: 'Văn', givenName: 'Đồng' });
    // a control character between words separates them
    expect(splitVietnameseName('Phạm\u0000Văn')).toEqual({ familyName: 'Phạm', middleName: null, givenName: 'Văn' });
  });

  it('keeps the case and letters as written', () => {
    expect(splitVietnameseName('NGUYỄN văn AN')).toEqual({ familyName: 'NGUYỄN', middleName: 'văn', givenName: 'AN' });
  });

  it('is bounded on huge input', () => {
    const r = splitVietnameseName(`Nguyễn ${'Văn '.repeat(50_000)}An`);
    expect(r.familyName).toBe('Nguyễn');
    expect(r.givenName).not.toBeNull();
  });
});
