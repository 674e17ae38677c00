/** Dates, durations and "how long ago" as the pages show them (Asia/Ho_Chi_Minh, dd/MM/yyyy HH:mm). */
import { expect, test } from '@jest/globals';
import { formatDate, formatDateTime, formatDuration, formatRelative } from '../src/web/i18n/format.js';

test('dd/MM/yyyy HH:mm in Việt Nam time, whatever the machine zone', () => {
  // 17:05 UTC is 00:05 the next day in Hà Nội (UTC+7)
  const d = new Date('2026-12-31T17:05:09Z');
  expect(formatDateTime(d)).toBe('01/01/2027 00:05');
  expect(formatDateTime(d, { seconds: true })).toBe('01/01/2027 00:05:09');
  expect(formatDate(d)).toBe('01/01/2027');
  expect(formatDateTime(null)).toBe('');
  expect(formatDateTime(new Date(NaN))).toBe('');
});

test('durations in words, two largest units at most', () => {
  expect(formatDuration(5, 'vi')).toBe('5 giây');
  expect(formatDuration(5, 'en')).toBe('5 seconds');
  expect(formatDuration(1, 'en')).toBe('1 second');
  expect(formatDuration(300, 'vi')).toBe('5 phút');
  expect(formatDuration(9000, 'vi')).toBe('2 giờ 30 phút');
  expect(formatDuration(3605, 'vi')).toBe('1 giờ');
  expect(formatDuration(90_061, 'en')).toBe('1 day 1 hour');
  expect(formatDuration(0, 'vi')).toBe('0 giây');
});

test('how long ago, and the date itself past 30 days', () => {
  const now = new Date('2026-12-07T10:00:00Z');
  const ago = (s: number) => new Date(now.getTime() - s * 1000);
  expect(formatRelative(ago(20), now, 'vi')).toBe('vừa xong');
  expect(formatRelative(ago(300), now, 'vi')).toBe('5 phút trước');
  expect(formatRelative(ago(300), now, 'en')).toBe('5 minutes ago');
  expect(formatRelative(ago(3 * 3600 + 100), now, 'vi')).toBe('3 giờ trước');
  expect(formatRelative(ago(2 * 86_400), now, 'en')).toBe('2 days ago');
  expect(formatRelative(ago(-600), now, 'vi')).toBe('10 phút nữa');
  expect(formatRelative(ago(40 * 86_400), now, 'vi')).toBe('28/10/2026');
});
