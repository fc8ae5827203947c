/**
 * A TCP proxy on 127.0.0.1 that puts a round-trip time between a client and a loopback registry,
 * so that a benchmark can time a command against a registry "far away" (a CI runner and a hosted
 * registry are a few to tens of milliseconds apart) on a machine without `tc netem`. Every chunk
 * is delayed by half the round trip in each direction, in order, and a new connection's first
 * bytes wait one more round trip (the TCP handshake a real link costs). Bandwidth is not limited.
 *
 * Run as its own process (`node bench/latency-proxy.ts UPSTREAM RTT_MS`; it prints `PORT` once
 * listening), since the benchmarks time commands with synchronous spawns, which would stall a proxy
 * living in the benchmark's own event loop.
 */
import { spawn } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import { createInterface } from 'node:readline';

/** Forwards `from` to `to`, each chunk `delay()` ms after it arrived, never out of order. */
function forwardDelayed(from: Socket, to: Socket, delay: () => number): void {
  let last = 0;
  const later = (send: () => void) => {
    const at = Math.max(Date.now() + delay(), last);
    last = at;
    setTimeout(send, at - Date.now());
  };
  from.on('data', (chunk) => later(() => to.write(chunk)));
  from.on('end', () => later(() => to.end()));
  from.on('error', () => to.destroy());
  from.on('close', () => later(() => (to.writableEnded ? undefined : to.destroy())));
}

/** Listens on an ephemeral loopback port; resolves with it. */
function listen(upstream: string, rttMs: number): Promise<number> {
  const [host, port] = upstream.split(':') as [string, string];
  const server = createServer((client) => {
    const handshakeDone = Date.now() + rttMs;
    const registry = connect(Number(port), host);
    forwardDelayed(client, registry, () => Math.max(rttMs / 2, handshakeDone - Date.now() + rttMs / 2));
    forwardDelayed(registry, client, () => rttMs / 2);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

/** A running proxy process: `127.0.0.1:PORT`, and how to stop it. */
export interface LatencyProxy {
  host: string;
  stop(): Promise<void>;
}

/** Starts the proxy in front of `upstream` (`127.0.0.1:PORT`) in a child process. */
export async function startLatencyProxy(upstream: string, rttMs: number): Promise<LatencyProxy> {
  const child = spawn(process.execPath, [import.meta.filename, upstream, String(rttMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout });
  const port = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', () => reject(new Error('the latency proxy exited before listening')));
  });
  lines.close();
  return {
    host: `127.0.0.1:${port.trim()}`,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

if (process.argv[1] === import.meta.filename) {
  const [upstream = '', rtt = ''] = process.argv.slice(2);
  const port = await listen(upstream, Number(rtt));
  process.stdout.write(`${port}\n`);
}
