/** A standalone explorer server (`ocikit explore`): loopback by default, one handler for pages and API. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, OciError } from '../errors/index.ts';
import { createExplorerHandler, type ExplorerOptions } from './handler.ts';
import { type MemoryReturnOptions, returnMemoryAfterHeavyRequests } from './memory-return.ts';

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

/** Options of {@link startExplorer}: the explorer's, where it listens, and its memory policy. */
export interface StartExplorerOptions extends ExplorerOptions {
  /** `HOST:PORT` (default `127.0.0.1:0`, a free loopback port). */
  listen?: string;
  /**
   * After a heavy request, run a memory-reducing full collection of this process's heap
   * (memory-return.ts; default false; options to tune it). The `ocikit explore` command turns it
   * on; a program embedding the explorer decides for its own heap.
   */
  returnMemory?: boolean | MemoryReturnOptions;
}

/** Starts an explorer as {@link StartExplorerOptions} say, and resolves once it listens. */
export async function startExplorer(options: StartExplorerOptions): Promise<RunningExplorer> {
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
  const { returnMemory } = options;
  if (returnMemory !== undefined && returnMemory !== false)
    returnMemoryAfterHeavyRequests(server, returnMemory === true ? {} : returnMemory);
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
