/**
 * Starting and stopping the registry: `node:http` (or `node:https` with a certificate), header and
 * idle timeouts against slow clients, and one log entry per finished request.
 */
import { mkdir, readFile } from 'node:fs/promises';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ErrorCode, OciError } from '../errors/index.ts';
import { loadHtpasswd } from './auth.ts';
import { createRequestListener } from './handler.ts';
import type { RequestLog, ServeOptions } from './options.ts';
import { Repositories } from './repositories.ts';
import { UploadSessions } from './upload-sessions.ts';
import { prepareYoungGc } from './young-gc.ts';

/** Options of {@link startServer}. */
export interface StartServerOptions extends ServeOptions {
  /** `HOST:PORT` (`[::1]:PORT` for IPv6); default `127.0.0.1:0`, an ephemeral port. */
  listen?: string;
  /** PEM files of the server certificate and its key: serve HTTPS. */
  tlsCert?: string;
  tlsKey?: string;
  /** A client must send its request headers within this long (default 30 s). */
  headersTimeoutMs?: number;
  /** A connection with no traffic for this long is closed (default 2 min). */
  idleTimeoutMs?: number;
}

/** A running registry. */
export interface RunningServer {
  /** `http://HOST:PORT` (or `https://…`). */
  url: string;
  /** `HOST:PORT`, as an image reference names the registry. */
  host: string;
  /** Stops accepting, closes connections and drops open upload sessions. */
  close(): Promise<void>;
}

/** A request listener to mount in a server of one's own, and how to release its upload sessions. */
export interface RegistryHandler {
  /** Serves one request (a `node:http` / `node:https` request listener). */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Drops the open upload sessions and stops their expiry timer. */
  close(): Promise<void>;
}

/** The registry as a request listener over `options.root` (created when missing), without a server. */
export async function createHandler(options: ServeOptions): Promise<RegistryHandler> {
  await mkdir(options.root, { recursive: true });
  const repositories = new Repositories(options.root);
  const uploads = new UploadSessions(options.maxUploads ?? 256, options.uploadTimeoutMs ?? 15 * 60_000);
  const authenticator = options.htpasswd === undefined ? undefined : await loadHtpasswd(options.htpasswd);
  const listener = createRequestListener({ repositories, uploads, authenticator, options });
  if (options.readOnly !== true) prepareYoungGc();
  return {
    handle(req, res) {
      if (options.log !== undefined) logWhenDone(req, res, options.log);
      void listener(req, res);
    },
    close: () => uploads.close(),
  };
}

/** Starts a registry serving the layouts under `options.root` (created when missing). */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { hostname, port } = parseListen(options.listen ?? '127.0.0.1:0');
  const registry = await createHandler(options);
  const handle = registry.handle;
  const tls = options.tlsCert !== undefined || options.tlsKey !== undefined;
  if (tls && (options.tlsCert === undefined || options.tlsKey === undefined)) {
    throw new OciError(ErrorCode.INVALID_ARGUMENT, 'TLS needs both a certificate and its key');
  }
  const headersTimeout = options.headersTimeoutMs ?? 30_000;
  // Node enforces the header timeout only when it checks its connections: check often enough.
  const checks = { connectionsCheckingInterval: Math.max(50, Math.min(30_000, headersTimeout / 4)) };
  const server: Server = tls
    ? createHttpsServer(
        {
          ...checks,
          cert: await readFile(options.tlsCert as string),
          key: await readFile(options.tlsKey as string),
        },
        handle,
      )
    : createHttpServer(checks, handle);
  server.headersTimeout = headersTimeout;
  server.requestTimeout = 0; // uploads of large blobs take as long as they take; idleness is bounded below
  server.setTimeout(options.idleTimeoutMs ?? 120_000);
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, hostname, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const host = `${shown}:${address.port}`;
  return {
    url: `${tls ? 'https' : 'http'}://${host}`,
    host,
    async close() {
      await registry.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** Parses `HOST:PORT`, `[V6]:PORT` or `:PORT`; INVALID_ARGUMENT otherwise. */
export function parseListen(value: string): { hostname: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (match === null || port > 65535) {
    throw new OciError(ErrorCode.INVALID_ARGUMENT, `--listen ${JSON.stringify(value)}: expected HOST:PORT`, {
      data: { listen: value },
    });
  }
  return { hostname: match[1] ?? (match[2] === '' ? '127.0.0.1' : (match[2] as string)), port };
}

function logWhenDone(req: IncomingMessage, res: ServerResponse, log: (entry: RequestLog) => void): void {
  const started = process.hrtime.bigint();
  res.once('close', () => {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const length = Number(res.getHeader('content-length') ?? 0);
    const entry: RequestLog = {
      time: new Date().toISOString(),
      method: req.method ?? '',
      path: (q === -1 ? url : url.slice(0, q)).slice(0, 1024),
      status: res.statusCode,
      bytes: req.method === 'HEAD' || !Number.isFinite(length) ? 0 : length,
      ms: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
    };
    const user = (res as ServerResponse & { user?: string }).user;
    if (user !== undefined) entry.user = user;
    log(entry);
  });
}
