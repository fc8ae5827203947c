/**
 * A real HTTP proxy on 127.0.0.1 in front of a registry, injecting faults a real registry will
 * not produce on demand: a connection reset in the middle of a blob body, 500/429 answers,
 * flipped blob bytes, and redirects of blob GETs to a second origin (127.0.0.2) that records
 * whether `Authorization` reached it.
 */
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as a server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  range: string | undefined;
  accept: string | undefined;
  acceptEncoding: string | undefined;
  /** The status the registry answered a forwarded request with, once it has. */
  status?: number;
}

/** Faults to inject; tests change them between steps. */
export interface Faults {
  /** Cut the connection after this many bytes of the next `count` (default 1) blob GET bodies. */
  resetBlobAfter?: { bytes: number; count?: number };
  /** Answer the first `count` requests matching `match` with `status` (and `Retry-After`). */
  fail?: { status: number; count: number; match: (req: SeenRequest) => boolean; retryAfter?: string };
  /** Flip one byte in every blob GET body. */
  corruptBlobs?: boolean;
  /** Answer blob GETs with a 307 to the second origin, which serves the same path. */
  redirectBlobs?: boolean;
}

/** A running fault proxy. */
export interface FaultProxy {
  /** `127.0.0.1:PORT` of the proxy. */
  host: string;
  /** `127.0.0.2:PORT` of the redirect target. */
  otherHost: string;
  faults: Faults;
  /** Requests the proxy received, in order. */
  seen: SeenRequest[];
  /** Requests the redirect target received, in order. */
  seenByOther: SeenRequest[];
  stop(): Promise<void>;
}

const BLOB_GET = /^\/v2\/.+\/blobs\/[a-z0-9]+:[a-f0-9]+$/;

function listen(server: Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, () => resolve((server.address() as AddressInfo).port));
  });
}

function seenOf(req: IncomingMessage): SeenRequest {
  return {
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    authorization: req.headers.authorization,
    range: req.headers.range,
    accept: req.headers.accept,
    acceptEncoding: req.headers['accept-encoding'],
  };
}

/** Forwards `req` to the registry and streams the answer back through `onBody`. */
function forward(
  target: { host: string; port: number },
  req: IncomingMessage,
  res: ServerResponse,
  onBody?: (status: number) => ((chunk: Buffer) => Buffer | { last: Buffer }) | undefined,
  headers = { ...req.headers },
): void {
  const upstream = request(
    { host: target.host, port: target.port, method: req.method, path: req.url, headers },
    (up) => {
      const transform = onBody?.(up.statusCode ?? 0);
      res.writeHead(up.statusCode ?? 502, up.headers);
      if (transform === undefined) {
        up.pipe(res);
        return;
      }
      up.on('data', (chunk: Buffer) => {
        const out = transform(chunk);
        if (!Buffer.isBuffer(out)) {
          up.destroy();
          res.write(out.last, () => setImmediate(() => res.socket?.destroy()));
          return;
        }
        res.write(out);
      });
      up.on('end', () => res.end());
    },
  );
  upstream.on('error', () => res.socket?.destroy());
  req.pipe(upstream);
}

/** Starts a proxy in front of the registry at `registryHost` (`127.0.0.1:PORT`). */
export async function startFaultProxy(registryHost: string): Promise<FaultProxy> {
  const [host, port] = registryHost.split(':');
  const target = { host: host ?? '127.0.0.1', port: Number(port) };
  const seen: SeenRequest[] = [];
  const seenByOther: SeenRequest[] = [];
  const faults: Faults = {};
  let otherPort = 0;
  let failed = 0;
  let resets = 0;

  const other = createServer((req, res) => {
    seenByOther.push(seenOf(req));
    const headers = { ...req.headers };
    delete headers.authorization;
    forward(target, req, res, undefined, headers);
  });

  const proxy = createServer((req, res) => {
    const s = seenOf(req);
    seen.push(s);
    const fail = faults.fail;
    if (fail !== undefined && failed < fail.count && fail.match(s)) {
      failed++;
      req.resume();
      const body = JSON.stringify({
        errors: [{ code: fail.status === 429 ? 'TOOMANYREQUESTS' : 'UNKNOWN', message: 'injected' }],
      });
      res.writeHead(fail.status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        ...(fail.retryAfter !== undefined ? { 'retry-after': fail.retryAfter } : {}),
      });
      res.end(body);
      return;
    }
    const blobGet = s.method === 'GET' && BLOB_GET.test(s.path);
    if (blobGet && faults.redirectBlobs) {
      req.resume();
      res.writeHead(307, { location: `http://127.0.0.2:${otherPort}${s.path}`, 'content-length': '0' });
      res.end();
      return;
    }
    const reset = faults.resetBlobAfter;
    forward(target, req, res, (status) => {
      s.status = status;
      if (!blobGet || (status !== 200 && status !== 206)) return undefined;
      let sent = 0;
      let flipped = false;
      const cut = reset !== undefined && resets < (reset.count ?? 1) ? reset.bytes : undefined;
      if (cut !== undefined) resets++;
      if (cut === undefined && !faults.corruptBlobs) return undefined;
      return (chunk) => {
        let out = chunk;
        if (faults.corruptBlobs && !flipped && out.byteLength > 0) {
          out = Buffer.from(out);
          out[0] = (out[0] as number) ^ 0xff;
          flipped = true;
        }
        if (cut !== undefined && sent + out.byteLength >= cut) {
          return { last: out.subarray(0, cut - sent) };
        }
        sent += out.byteLength;
        return out;
      };
    });
  });

  const proxyPort = await listen(proxy, '127.0.0.1');
  otherPort = await listen(other, '127.0.0.2');
  return {
    host: `127.0.0.1:${proxyPort}`,
    otherHost: `127.0.0.2:${otherPort}`,
    faults,
    seen,
    seenByOther,
    async stop() {
      proxy.closeAllConnections();
      other.closeAllConnections();
      await Promise.all([
        new Promise<void>((resolve) => proxy.close(() => resolve())),
        new Promise<void>((resolve) => other.close(() => resolve())),
      ]);
    },
  };
}

/**
 * A fault proxy in front of `registryHost` whose manifest requests fail (503, retry at once)
 * `count` times: more than one copy's own retries, so only a retry of the whole copy gets through.
 */
export async function startFailingManifestsProxy(registryHost: string, count = 7): Promise<FaultProxy> {
  const proxy = await startFaultProxy(registryHost);
  proxy.faults.fail = {
    status: 503,
    count,
    retryAfter: '0',
    match: (req) => req.path.includes('/manifests/'),
  };
  return proxy;
}
