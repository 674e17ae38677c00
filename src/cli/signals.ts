/**
 * `sso serve` and SIGTERM / SIGINT: listened for before the server starts (a signal during
 * start-up stops it as soon as it is up), then a graceful stop: no new connections, in-flight
 * requests finish (up to the HTTP server's grace period), the sync, the delivery loop, the
 * directory connections and the database pool are closed, and the process exits 0. A second
 * signal, or a stop that outlasts the grace period by far, exits at once with 1.
 */
import type { Logger } from '../util/logger.js';

/** How long in-flight requests may take to finish (closeServer's default in app/http.ts). */
export const SHUTDOWN_GRACE_MS = 10_000;
/** Beyond the grace period, how long closing the pools may take before the process gives up. */
const CLOSE_MARGIN_MS = 5_000;

export interface ShutdownSignals {
  /** Waits for a signal, then closes `running` and stops listening for signals. */
  drain(running: { close(): Promise<void> }, logger: Logger): Promise<void>;
}

export function shutdownSignals(exit: (code: number) => never = (code) => process.exit(code)): ShutdownSignals {
  let received: NodeJS.Signals | undefined;
  let logger: Logger | undefined;
  let wake: (s: NodeJS.Signals) => void = () => {};
  const signalled = new Promise<NodeJS.Signals>((resolve) => (wake = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) {
      logger?.warn({ event: 'sso.stop_forced', signal }, `second ${signal}: exiting without waiting for in-flight requests`);
      exit(1);
    }
    received = signal;
    wake(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  return {
    async drain(running, log) {
      logger = log;
      const signal = await signalled;
      log.info({ event: 'sso.stopping', signal, graceMs: SHUTDOWN_GRACE_MS }, `${signal}: stopping; no new connections, in-flight requests finish`);
      const force = setTimeout(() => {
        log.error({ event: 'sso.stop_timeout' }, 'shutdown took too long; exiting');
        exit(1);
      }, SHUTDOWN_GRACE_MS + CLOSE_MARGIN_MS);
      force.unref();
      try {
        await running.close();
      } finally {
        clearTimeout(force);
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      }
    },
  };
}
