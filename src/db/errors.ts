/**
 * Is this error the database being out of reach (server down, restarting, refusing connections,
 * connection cut, pool timed out, SQLite busy past its timeout), as opposed to a bad query or a
 * constraint? Such a request can be answered "temporarily unavailable" (503) and retried; the
 * pool reconnects by itself when the server is back. The one place that decides it: the web's
 * error pages, the provider's storage and the background work all ask here. Pure: looks at the
 * error, its Prisma code, its driver-adapter cause (kind, SQLSTATE, SQLite code) and the message,
 * at any depth of `cause`.
 */

/**
 * Prisma: can't reach (P1001), timed out (P1002; P1008, which Prisma 7's SQLite adapter also
 * gives for SQLITE_BUSY past the busy timeout), connection closed (P1017), no connection from the
 * pool in time (P2024), too many connections (P2037).
 */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2037']);
/** Node's socket errors. */
const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'EAI_AGAIN']);
/**
 * PostgreSQL SQLSTATE: class 08 (connection exception), class 53 (insufficient resources: too
 * many connections, out of memory, disk full), 55000 (object not in prerequisite state: "database
 * is not currently accepting connections"), 57P01 admin shutdown, 57P02 crash shutdown, 57P03
 * cannot connect now (starting up, shutting down, in recovery).
 */
const PG_STATE = /^(08[0-9A-Z]{3}|53[0-9A-Z]{3}|55000|57P0[123])$/;
/** SQLite: the database file is locked by another connection (after the busy timeout: the retry budget). */
const SQLITE_CODE = /^SQLITE_(BUSY|LOCKED)/;
/** What Prisma's driver adapters call an outage (their DriverAdapterError's cause.kind). */
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
/** What pg, the adapter and Prisma say when the server is gone, in words. */
const MESSAGES = [
  /can't reach database server/i,
  /connection terminated/i,
  /server has closed the connection/i,
  /timeout exceeded when trying to connect/i,
  /timed out fetching a new connection/i,
  /unable to start a transaction in the given time/i,
  /the database system is (starting up|shutting down|not yet accepting connections|in recovery mode)/i,
  /terminating connection due to (administrator command|crash of another server process)/i,
  /is not currently accepting connections/i,
  /too many (database )?connections/i,
  /Code: `(08[0-9A-Z]{3}|53[0-9A-Z]{3}|55000|57P0[123]|SQLITE_BUSY|SQLITE_LOCKED)`/,
  /Client has encountered a connection error and is not queryable/i,
];

type Inspected = {
  code?: unknown;
  originalCode?: unknown;
  kind?: unknown;
  message?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: unknown; code?: unknown };
};

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** One level: its own code, the adapter's original code and kind, the message. */
function saysUnavailable(e: Inspected): boolean {
  const code = str(e.code);
  if (code && (PRISMA_CODES.has(code) || NET_CODES.has(code) || PG_STATE.test(code) || SQLITE_CODE.test(code))) return true;
  const original = str(e.originalCode) ?? str(e.meta?.code);
  if (original && (PG_STATE.test(original) || SQLITE_CODE.test(original))) return true;
  const kind = str(e.kind);
  if (kind && ADAPTER_KINDS.has(kind)) return true;
  const message = str(e.message);
  return !!message && MESSAGES.some((m) => m.test(message));
}

export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 6) return false;
  const e = err as Inspected;
  if (saysUnavailable(e)) return true;
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
