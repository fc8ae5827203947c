/** A standalone explorer server (`ocikit explore`): loopback by default, one handler for pages and API. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, OciError } from '../errors/index.ts';
import { createExplorerHandler, type ExplorerOptions } from './handler.ts';
import { returnMemoryAfterHeavyRequests } from './memory-return.ts';

/** A running explorer: its URL, and how to stop it. */
export interface RunningExplorer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

function hostName(header: string): string {
  const match = /^(?:\[([^\]]+)\]|([^:]+))(?::\d+)?$/.exec(header);
  return (match?.[1] ?? match?.[2] ?? '').toLowerCase();
}

/** Parses `HOST:PORT` (`[::1]:0` for IPv6); the default is `127.0.0.1:0`. */
export function parseListen(value = '127.0.0.1:0'): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (match === null || port > 65535)
    throw new OciError(ErrorCode.INVALID_ARGUMENT, `--listen wants HOST:PORT, got ${JSON.stringify(value)}`);
  return { host: (match[1] ?? match[2]) as string, port };
}

/**
 * Starts an explorer on `listen` (default `127.0.0.1:0`, a free loopback port) and resolves once it
 * listens; after a heavy request it gives its memory back (memory-return.ts).
 */
export async function startExplorer(
  options: ExplorerOptions & { listen?: string },
): Promise<RunningExplorer> {
  const { host, port } = parseListen(options.listen);
  const handler = createExplorerHandler(options);
  const loopback = LOOPBACK.has(host);
  const server = createServer((req, res) => {
    // On loopback, a page from another site that rebinds its name to 127.0.0.1 is refused: its
    // requests carry that name as Host.
    if (loopback && !LOOPBACK.has(hostName(req.headers.host ?? ''))) {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ error: { code: 'DENIED', message: 'the explorer answers loopback names only' } }),
      );
      return;
    }
    void handler(req, res);
  });
  returnMemoryAfterHeavyRequests(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}/`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
