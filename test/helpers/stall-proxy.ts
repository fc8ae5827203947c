/**
 * A real HTTP proxy on 127.0.0.1 in front of a registry that can hold blob downloads mid-way: it
 * forwards the first bytes of a blob GET body, then sends nothing more while keeping the
 * connection open. A real registry never stalls on demand, and a command caught mid-transfer is
 * what interrupt tests need without racing a clock.
 */
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running stall proxy. */
export interface StallProxy {
  /** `127.0.0.1:PORT` of the proxy. */
  host: string;
  /** While true, each blob GET body is held after `afterBytes` bytes; false forwards everything. */
  stalling: boolean;
  /** How many blob bodies have been held so far (counted once their first bytes reached the client). */
  readonly held: number;
  stop(): Promise<void>;
}

const BLOB_GET = /^\/v2\/.+\/blobs\/[a-z0-9]+:[a-f0-9]+$/;

/** Starts a proxy in front of `registryHost` (`127.0.0.1:PORT`) that holds blob bodies after `afterBytes`. */
export async function startStallProxy(registryHost: string, afterBytes: number): Promise<StallProxy> {
  const [host, port] = registryHost.split(':');
  const target = { host: host ?? '127.0.0.1', port: Number(port) };
  let held = 0;

  const hold = (up: IncomingMessage, res: ServerResponse): void => {
    let sent = 0;
    const forward = (chunk: Buffer): void => {
      const room = afterBytes - sent;
      if (chunk.byteLength < room) {
        sent += chunk.byteLength;
        res.write(chunk);
        return;
      }
      // The allowance is sent: nothing more goes out, and the connection stays open.
      up.off('data', forward);
      up.pause();
      res.write(chunk.subarray(0, room), () => {
        held++;
      });
    };
    up.on('data', forward);
    up.on('end', () => res.end());
    res.on('close', () => up.destroy());
  };

  const server = createServer((req, res) => {
    const blobGet = req.method === 'GET' && BLOB_GET.test(req.url ?? '');
    const upstream = request({ ...target, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      const status = up.statusCode ?? 0;
      if (proxy.stalling && blobGet && (status === 200 || status === 206)) hold(up, res);
      else up.pipe(res);
    });
    upstream.on('error', () => res.socket?.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });

  const proxy: StallProxy = {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    stalling: true,
    get held() {
      return held;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
