/**
 * BRAND_LOGO_FILE, read once at start: a PNG or a JPEG (told by its first bytes, whatever its
 * name), at most 256 KiB. Anything else stops the start with a configuration error naming the
 * file and what is wrong with it; the web layer only ever serves the bytes checked here.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { ConfigError } from '../config/load.js';
import type { BrandLogo } from '../web/brand.js';

/** The largest logo taken (a header image needs far less). */
export const MAX_LOGO_BYTES = 256 * 1024;

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff]);

/** The image type the bytes begin with, or undefined. Pure. */
export function logoType(bytes: Buffer): BrandLogo['type'] | undefined {
  if (bytes.subarray(0, PNG.length).equals(PNG)) return 'image/png';
  if (bytes.length > JPEG.length && bytes.subarray(0, JPEG.length).equals(JPEG)) return 'image/jpeg';
  return undefined;
}

/** The logo of `file` (undefined: none configured); a missing, large or other kind of file throws ConfigError. */
export function readBrandLogo(file: string | undefined): BrandLogo | undefined {
  if (!file) return undefined;
  const refuse = (why: string): never => {
    throw new ConfigError([`BRAND_LOGO_FILE: ${file}: ${why}`]);
  };
  let bytes: Buffer;
  try {
    const size = statSync(file).size;
    if (size > MAX_LOGO_BYTES) refuse(`is ${Math.ceil(size / 1024)} KiB; a logo may be at most ${MAX_LOGO_BYTES / 1024} KiB`);
    bytes = readFileSync(file);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    return refuse(`cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (bytes.length > MAX_LOGO_BYTES) refuse(`a logo may be at most ${MAX_LOGO_BYTES / 1024} KiB`);
  const type = logoType(bytes);
  if (!type) return refuse('is neither a PNG nor a JPEG image (its first bytes say so, whatever its name)');
  const etag = `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`;
  return { bytes, type, etag };
}
