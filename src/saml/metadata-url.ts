/**
 * SP metadata from a URL (`sso saml add|update --metadata-url`, `sso saml refresh`): https, or http
 * on loopback; no redirects, no credentials in the URL, 10 s, at most MAX_METADATA_BYTES.
 * Throws SsoError with a readable message.
 */
import { SsoError } from '../domain/errors.js';
import { MAX_METADATA_BYTES } from './xml.js';

const TIMEOUT_MS = 10_000;

function checkedUrl(u: string): URL {
  let url: URL;
  try {
    url = new URL(u);
  } catch {
    throw new SsoError('invalid_input', `--metadata-url: not a URL: ${u.slice(0, 200)}`, { field: 'metadata-url' });
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.username || url.password || !(url.protocol === 'https:' || (url.protocol === 'http:' && loopback))) {
    throw new SsoError('invalid_input', '--metadata-url: https only (http on loopback), without credentials', { field: 'metadata-url' });
  }
  return url;
}

export async function fetchMetadata(u: string, fetchImpl: typeof fetch = fetch): Promise<string> {
  const url = checkedUrl(u);
  let res: Response;
  try {
    res = await fetchImpl(url, { redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS), headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' } });
  } catch (err) {
    throw new SsoError('unavailable', `--metadata-url: cannot fetch ${url.href}: ${(err as Error).message}`, { field: 'metadata-url' });
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    throw new SsoError('unavailable', `--metadata-url: ${url.href} answered HTTP ${res.status}`, { field: 'metadata-url' });
  }
  const reader = res.body?.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const chunk = reader ? await reader.read() : { done: true as const, value: undefined };
    if (chunk.done) break;
    size += chunk.value.byteLength;
    if (size > MAX_METADATA_BYTES) {
      await reader?.cancel().catch(() => {});
      throw new SsoError('invalid_input', `--metadata-url: metadata over ${MAX_METADATA_BYTES} bytes`, { field: 'metadata-url' });
    }
    parts.push(chunk.value);
  }
  return Buffer.concat(parts).toString('utf8');
}
