/**
 * How long relying parties and proxies may keep the two public documents. Discovery changes only
 * with the configuration (a restart): five minutes. The JWKS must follow key rotation: a new key
 * is published at once by the instance that made it, by every instance within
 * KEY_REFRESH_INTERVAL, and signs KEY_ACTIVATION_DELAY after it was made; a copy fetched just
 * before an instance picked it up must expire before then, so the JWKS may be kept
 * KEY_ACTIVATION_DELAY - KEY_REFRESH_INTERVAL at most (90 s with the defaults), never over five
 * minutes. Pure apart from the middleware.
 */
import type { ParameterizedContext } from 'koa';
import { ROUTES } from './routes.js';

export const DISCOVERY_PATH = '/.well-known/openid-configuration';
export const DISCOVERY_MAX_AGE = 300;

/** Seconds a JWKS copy may be kept, given the key timings. Pure. */
export function jwksMaxAge(keys: { activationDelaySeconds: number; refreshIntervalSeconds: number }): number {
  return Math.max(0, Math.min(DISCOVERY_MAX_AGE, keys.activationDelaySeconds - keys.refreshIntervalSeconds));
}

/** The Cache-Control value for `maxAge` seconds (0: every use asks again). Pure. */
export function publicCacheControl(maxAge: number): string {
  return maxAge > 0 ? `public, max-age=${maxAge}` : 'no-cache';
}

/** oidc-provider middleware: a successful discovery or JWKS answer carries its Cache-Control (errors none). */
export function publicDocumentCaching(keys: { activationDelaySeconds: number; refreshIntervalSeconds: number }) {
  const byPath = new Map([
    [DISCOVERY_PATH, publicCacheControl(DISCOVERY_MAX_AGE)],
    [ROUTES.jwks, publicCacheControl(jwksMaxAge(keys))],
  ]);
  return async (ctx: ParameterizedContext, next: () => Promise<unknown>): Promise<void> => {
    await next();
    const value = byPath.get(ctx.path);
    if (value && ctx.status === 200 && (ctx.method === 'GET' || ctx.method === 'HEAD')) ctx.set('Cache-Control', value);
  };
}
