/**
 * A TCP proxy on 127.0.0.1 in front of a registry that counts the connections clients open
 * through it and the HTTP requests sent over them. A registry does not report its connections,
 * and keep-alive (one connection carrying many requests) is what these tests check.
 */

import type { AddressInfo } from 'node:net';
import { connect, createServer, type Socket } from 'node:net';

/** A running counting proxy. */
export interface CountingProxy {
  /** `127.0.0.1:PORT` of the proxy. */
  host: string;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Connections whose first byte opened a TLS handshake (a plain-HTTP registry refuses them). */
  readonly tlsAttempts: number;
  /** Request lines seen so far (`METHOD /path HTTP/1.1` at the start of a client's bytes or after a body). */
  readonly requests: string[];
  /** Forgets the counts (the connections already open stay open). */
  reset(): void;
  stop(): Promise<void>;
}

const REQUEST_LINE = /(?:^|\r\n)((?:GET|HEAD|PUT|POST|PATCH|DELETE) \/\S* HTTP\/1\.1)\r\n/g;

/** Starts a proxy forwarding every connection to `registryHost` (`127.0.0.1:PORT`). */
export async function startCountingProxy(registryHost: string): Promise<CountingProxy> {
  const [host, port] = registryHost.split(':');
  let connections = 0;
  let tlsAttempts = 0;
  let requests: string[] = [];
  const open = new Set<Socket>();
  const server = createServer((client) => {
    connections++;
    const upstream = connect({ host: host ?? '127.0.0.1', port: Number(port) });
    open.add(client);
    open.add(upstream);
    // Request lines are looked for in what the client sends; bodies of the tests' blobs are
    // random bytes, so a false match would need this exact text inside them.
    client.once('data', (chunk: Buffer) => {
      if (chunk[0] === 0x16) tlsAttempts++;
    });
    client.on('data', (chunk: Buffer) => {
      for (const match of chunk.toString('latin1').matchAll(REQUEST_LINE)) requests.push(match[1] as string);
    });
    client.pipe(upstream);
    upstream.pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    get connections() {
      return connections;
    },
    get tlsAttempts() {
      return tlsAttempts;
    },
    get requests() {
      return requests;
    },
    reset() {
      connections = 0;
      tlsAttempts = 0;
      requests = [];
    },
    async stop() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
