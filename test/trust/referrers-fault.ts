/**
 * A loopback proxy in front of a real registry that answers the referrers API itself with a
 * malformed index (a fault a real registry does not produce) and forwards everything else.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running proxy: its `127.0.0.1:PORT`, and a way to stop it. */
export interface ReferrersFaultProxy {
  host: string;
  stop(): Promise<void>;
}

/** Starts the proxy in front of `registry` (`127.0.0.1:PORT`). */
export async function malformedReferrersProxy(registry: string): Promise<ReferrersFaultProxy> {
  const [hostname, port] = registry.split(':') as [string, string];
  const server = createServer((req, res) => {
    if (req.method === 'GET' && /^\/v2\/.+\/referrers\/[a-z0-9]+:[a-f0-9]+/.test(req.url ?? '')) {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json' });
      res.end(JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 5, digest: 'nope', size: -1 }] }));
      return;
    }
    const upstream = request(
      { host: hostname, port: Number(port), method: req.method, path: req.url, headers: req.headers },
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
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
