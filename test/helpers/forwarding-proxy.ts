/**
 * A loopback HTTP proxy in front of a real registry, forwarding every request as it came, for
 * the faults a real registry does not produce on demand: a test's `intercept` may answer a
 * request itself, hold it back, or send it on to another path.
 */
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What to do with a request: forward it (to `path` when given), or nothing (already answered). */
export type Interception = { forward: true; path?: string } | { forward: false };

/** A running proxy: its `127.0.0.1:PORT`, and a way to stop it (open connections are cut). */
export interface ForwardingProxy {
  host: string;
  stop(): Promise<void>;
}

/** Starts the proxy in front of `registry` (`HOST:PORT`); `intercept` sees each request first. */
export async function startForwardingProxy(
  registry: string,
  intercept: (req: IncomingMessage, res: ServerResponse) => Interception | Promise<Interception> = () => ({
    forward: true,
  }),
): Promise<ForwardingProxy> {
  const [hostname, port] = registry.split(':') as [string, string];
  const server = createServer(async (req, res) => {
    const decision = await intercept(req, res);
    if (!decision.forward) return;
    const upstream = request(
      {
        host: hostname,
        port: Number(port),
        method: req.method,
        path: decision.path ?? req.url,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: own } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${own}`,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
