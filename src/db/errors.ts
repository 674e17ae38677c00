/**
 * Is this error the database being out of reach (server down, restarting, connection cut,
 * pool timed out), as opposed to a bad query or a constraint? Such a request can be answered
 * "temporarily unavailable" (503) and retried; the pool reconnects by itself when the server is
 * back. Pure: looks at the error, its Prisma code, its driver-adapter cause and the PostgreSQL
 * SQLSTATE, at any depth of `cause`.
 */

/** Prisma: can't reach (P1001), timed out (P1002, P1008), connection closed (P1017), no connection from the pool in time (P2024). */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** Node's socket errors. */
const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'EAI_AGAIN']);
/**
 * PostgreSQL SQLSTATE: class 08 (connection exception), 57P01 admin shutdown, 57P02 crash
 * shutdown, 57P03 cannot connect now (starting up, shutting down), 53300 too many connections.
 */
const PG_STATE = /^(08[0-9A-Z]{3}|57P0[123]|53300)$/;
/** What pg, the adapter and Prisma say when the server is gone, in words. */
const MESSAGES = [
  /can't reach database server/i,
  /connection terminated/i,
  /server has closed the connection/i,
  /timeout exceeded when trying to connect/i,
  /timed out fetching a new connection/i,
  /the database system is (starting up|shutting down|not yet accepting connections|in recovery mode)/i,
  /terminating connection due to (administrator command|crash of another server process)/i,
  /Code: `(08[0-9A-Z]{3}|57P0[123]|53300)`/,
  /Client has encountered a connection error and is not queryable/i,
];

export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 6) return false;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown; meta?: { driverAdapterError?: unknown; code?: unknown } };
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code && (PRISMA_CODES.has(code) || NET_CODES.has(code) || PG_STATE.test(code))) return true;
  const metaCode = typeof e.meta?.code === 'string' ? e.meta.code : undefined;
  if (metaCode && PG_STATE.test(metaCode)) return true;
  if (typeof e.message === 'string' && MESSAGES.some((m) => m.test(e.message as string))) return true;
  return isDatabaseUnavailable(e.cause, depth + 1) || isDatabaseUnavailable(e.meta?.driverAdapterError, depth + 1);
}

interface WarnLogger {
  warn(obj: object, msg: string): void;
}

/**
 * Logs "database unavailable" at most once per `everyMs` (an outage under load would otherwise
 * write one line per request), with the count of failures in between; never a stack.
 */
export function outageReporter(logger: WarnLogger, everyMs = 5_000): (err: unknown, where: string) => void {
  let last = 0;
  let suppressed = 0;
  return (err, where) => {
    const now = Date.now();
    if (now - last < everyMs) {
      suppressed++;
      return;
    }
    // the driver's last words only: Prisma's message starts with the invocation and its source
    const lines = (err instanceof Error ? err.message : String(err)).split('\n').map((l) => l.trim()).filter(Boolean);
    const reason = (lines[lines.length - 1] ?? 'unknown').slice(0, 200);
    logger.warn({ event: 'db.unavailable', where, reason, since: suppressed }, 'database unavailable: requests answered 503 until it is back');
    last = now;
    suppressed = 0;
  };
}

/**
 * Is this error a unique or primary-key violation? From the client's own operations (Prisma's
 * P2002) and from raw SQL (P2010, whose driver-adapter cause says UniqueConstraintViolation),
 * on SQLite and PostgreSQL alike. A single INSERT so refused wrote none of its rows.
 */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; meta?: { driverAdapterError?: { cause?: { kind?: unknown } } } } | null;
  if (!e || typeof e !== 'object') return false;
  return e.code === 'P2002' || (e.code === 'P2010' && e.meta?.driverAdapterError?.cause?.kind === 'UniqueConstraintViolation');
}
