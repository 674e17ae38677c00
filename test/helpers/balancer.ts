/**
 * A round-robin HTTP load balancer on loopback, as a province's nginx or HAProxy would be in front
 * of several instances: request n goes to backends[n % count], no sticky sessions. The backends
 * can be changed at any time (an instance drained before a restart, put back after); a request
 * already sent to a backend finishes there. Records which backend served each path.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Balancer {
  url: string;
  port: number;
  /** The backends' ports from now on (in-flight requests are not moved). */
  setBackends(ports: number[]): void;
  served: { path: string; backend: number }[];
  close(): Promise<void>;
}

export async function startBalancer(): Promise<Balancer> {
  let backends: number[] = [];
  let n = 0;
  const served: { path: string; backend: number }[] = [];
  const server: Server = createServer((req, res) => {
    if (!backends.length) {
      res.writeHead(503).end();
      return;
    }
    const backend = backends[n++ % backends.length]!;
    served.push({ path: (req.url ?? '').split('?')[0]!, backend });
    const up = httpRequest({ host: '127.0.0.1', port: backend, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    setBackends: (ports) => (backends = [...ports]),
    served,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
