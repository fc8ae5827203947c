/**
 * An HTTP proxy on 127.0.0.1 in front of a registry that refuses cross-repository mounts the way
 * a registry that ignores them does: it drops `mount` and `from` from the upload POST, so the
 * registry opens an ordinary upload session (202) instead of mounting (distribution-spec end-11).
 * It can also answer mount POSTs with an error status instead, and counts the mounts asked for.
 */
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running mount-refusing proxy. */
export interface MountRefusingProxy {
  /** `127.0.0.1:PORT` of the proxy. */
  host: string;
  /** Mount POSTs received so far (`from` repository of each). */
  readonly mounts: string[];
  /** Uploads finished so far (PUTs with a digest), by request path. */
  readonly uploads: string[];
  /** When set, mount POSTs are answered with this status (and an error body) instead. */
  failMountsWith: number | undefined;
  stop(): Promise<void>;
}

/** Starts a proxy in front of the registry at `registryHost` (`127.0.0.1:PORT`). */
export async function startMountRefusingProxy(registryHost: string): Promise<MountRefusingProxy> {
  const [host, port] = registryHost.split(':');
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const state: MountRefusingProxy = {
    host: '',
    mounts: [],
    uploads: [],
    failMountsWith: undefined,
    stop: async () => {},
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const mount = url.searchParams.get('mount');
    if (req.method === 'POST' && mount !== null) {
      state.mounts.push(url.searchParams.get('from') ?? '');
      if (state.failMountsWith !== undefined) {
        req.resume();
        const body = JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'injected' }] });
        res.writeHead(state.failMountsWith, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        });
        res.end(body);
        return;
      }
      url.searchParams.delete('mount');
      url.searchParams.delete('from');
    }
    if (req.method === 'PUT' && url.pathname.includes('/blobs/uploads/') && url.searchParams.has('digest'))
      state.uploads.push(url.pathname);
    const upstream = request(
      {
        host: host ?? '127.0.0.1',
        port: Number(port),
        method: req.method,
        path: `${url.pathname}${url.search}`,
        headers: req.headers,
        agent,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.socket?.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  state.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.stop = async () => {
    server.closeAllConnections();
    agent.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}
