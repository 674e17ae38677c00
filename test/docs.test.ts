/** The configuration schema is the one source of truth: every setting is documented. */
import { expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { envSchema } from '../src/config/schema.js';

const names = Object.keys(envSchema.shape);

test.each(['.env.example', 'README.md'])('%s documents every setting', (file) => {
  const text = readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
  const missing = names.filter((n) => !new RegExp(`\\b${n}\\b`).test(text));
  expect(missing).toEqual([]);
});
