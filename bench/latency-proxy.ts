/**
 * A TCP proxy on 127.0.0.1 that puts a round-trip time between a client and a loopback registry,
 * so that a benchmark can time a command against a registry "far away" (a CI runner and a hosted
 * registry are a few to tens of milliseconds apart) on a machine without `tc netem`. Every chunk
 * is delayed by half the round trip in each direction, in order, and a new connection's first
 * bytes wait one more round trip (the TCP handshake a real link costs). Bandwidth is not limited.
 * TLS passes through untouched, so a TLS registry behind it costs its handshakes' round trips too.
 *
 * Run as its own process (`node bench/latency-proxy.ts UPSTREAM RTT_MS`; it prints `PORT` once
 * listening and exits when its stdin closes), since the benchmarks time commands with synchronous
 * spawns, which would stall a proxy living in the benchmark's own event loop.
 */
import { spawn } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import { createInterface } from 'node:readline';

/**
 * Forwards `from` to `to`: each chunk (and the end of the stream) is queued with the time it is
 * due, never earlier than the one before it, and one timer drains the queue in order.
 */
function forwardDelayed(from: Socket, to: Socket, delayMs: () => number): void {
  const queue: { due: number; send: () => void }[] = [];
  let scheduled = false;
  const schedule = () => {
    const next = queue[0];
    if (scheduled || next === undefined) return;
    scheduled = true;
    setTimeout(drain, next.due - performance.now());
  };
  const drain = () => {
    scheduled = false;
    const now = performance.now();
    while (queue.length > 0 && (queue[0] as { due: number }).due <= now) queue.shift()?.send();
    schedule();
  };
  const later = (send: () => void) => {
    const last = queue.at(-1)?.due ?? 0;
    queue.push({ due: Math.max(performance.now() + delayMs(), last), send });
    schedule();
  };
  from.on('data', (chunk) => later(() => to.write(chunk)));
  from.on('end', () => later(() => to.end()));
  from.on('error', () => later(() => to.destroy()));
}

/** Listens on an ephemeral loopback port in front of `upstream`; resolves with the port. */
function listen(upstream: string, rttMs: number): Promise<number> {
  const [host, port] = upstream.split(':') as [string, string];
  const server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    const handshakeDone = performance.now() + rttMs;
    const registry = connect({ port: Number(port), host, allowHalfOpen: true, noDelay: true });
    forwardDelayed(client, registry, () =>
      Math.max(rttMs / 2, handshakeDone - performance.now() + rttMs / 2),
    );
    forwardDelayed(registry, client, () => rttMs / 2);
    // Once both directions have ended, or one side failed, nothing more can pass.
    const close = () => {
      if (client.writableEnded && registry.writableEnded) {
        client.destroy();
        registry.destroy();
      }
    };
    client.on('finish', close);
    registry.on('finish', close);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

/** A running proxy process: `127.0.0.1:PORT`, and how to stop it. */
export interface LatencyProxy {
  port: number;
  stop(): Promise<void>;
}

/** Starts the proxy in front of `upstream` (`HOST:PORT`) in a child process that ends with this one. */
export async function startLatencyProxy(upstream: string, rttMs: number): Promise<LatencyProxy> {
  const child = spawn(process.execPath, [import.meta.filename, upstream, String(rttMs)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout });
  const port = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', () => reject(new Error('the latency proxy exited before listening')));
  });
  lines.close();
  return {
    port: Number(port),
    async stop() {
      child.stdin.end();
      child.kill('SIGTERM');
      await exited;
    },
  };
}

if (process.argv[1] === import.meta.filename) {
  const [upstream = '', rtt = ''] = process.argv.slice(2);
  const port = await listen(upstream, Number(rtt));
  process.stdout.write(`${port}\n`);
  // The bench that started it holds the other end of stdin: when it goes, so does the proxy.
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}
