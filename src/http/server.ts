/**
 * The HTTP server: a dispatcher by path. Protocol endpoints go straight to oidc-provider;
 * everything else to Express. Graceful shutdown: stop accepting, let in-flight requests end.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type express from 'express';
import { isProtocolPath } from '../oidc/routes.js';
import type { ProviderHost } from '../oidc/provider.js';
import { setSecurityHeaders } from '../web/security-headers.js';

export function createDispatcher(host: ProviderHost, app: express.Express, https: boolean): Server {
  return createServer((req, res) => {
    setSecurityHeaders(res, https);
    const q = req.url?.indexOf('?') ?? -1;
    const path = q === -1 ? (req.url ?? '/') : req.url!.slice(0, q);
    if (isProtocolPath(path)) host.handle(req, res);
    else app(req, res);
  });
}

export function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * Stops accepting connections, closes idle ones, waits up to `graceMs` for the rest. A kept-alive
 * connection is closed as soon as its request in flight has been answered (swept every 100 ms),
 * so the stop does not wait for clients' keep-alive timeouts.
 */
export function closeServer(server: Server, graceMs = 10_000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    sweep.unref();
    server.close(() => {
      clearTimeout(timer);
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}
