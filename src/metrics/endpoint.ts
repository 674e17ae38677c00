/**
 * GET /metrics. With METRICS_TOKEN set it requires `Authorization: Bearer <token>` (compared in
 * constant time); without it the endpoint is open and the proxy must restrict it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Logger } from '../util/logger.js';
import type { Metrics } from './metrics.js';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Does the Authorization header carry exactly this bearer token? Constant time in the token. Pure. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer[ ]+([^\s]+)[ ]*$/i.exec(header ?? '');
  // both sides hashed: equal lengths for timingSafeEqual, and no early exit on a length difference
  return timingSafeEqual(digest(m?.[1] ?? ''), digest(token)) && m !== null;
}

export function metricsHandler(metrics: Metrics, token: string | undefined, logger: Logger) {
  return async (req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store');
    if (token !== undefined && !bearerMatches(req.get('authorization'), token)) {
      res.status(401).set('WWW-Authenticate', 'Bearer realm="metrics"').type('text/plain').send('metrics: a valid bearer token is required\n');
      return;
    }
    try {
      const body = await metrics.render();
      res.status(200).type(metrics.contentType).send(body);
    } catch (err) {
      logger.error({ event: 'metrics.render_failed', error: (err as Error).message }, 'metrics could not be rendered');
      res.status(503).type('text/plain').send('metrics unavailable\n');
    }
  };
}

/**
 * Said once at start in production when /metrics needs no token: it is then open to whoever
 * reaches the instance, and only the proxy can keep it to the monitoring network. One JSON line,
 * event `metrics.unprotected`, for the log watch to alert on.
 */
export function warnIfMetricsOpen(production: boolean, token: string | undefined, logger: Logger): void {
  if (!production || token !== undefined) return;
  logger.warn(
    { event: 'metrics.unprotected', path: '/metrics', fix: 'set METRICS_TOKEN, or serve /metrics at the proxy only to the monitoring network (nginx: location = /metrics { allow <network>; deny all; })' },
    'GET /metrics is open: METRICS_TOKEN is not set',
  );
}
