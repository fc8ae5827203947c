/**
 * `ocikit serve` against the Distribution registry (`docker-registry`), both on tmpfs, both driven
 * by the same clients: `skopeo copy` pushing and pulling the multi-layer bench image (about 50 MB,
 * 4 gzip layers; a fresh pair of servers per round, so nothing is warm), and 1000 manifest HEADs
 * and 1000 tag lists sent one after another over one keep-alive connection. Rounds interleave the
 * two servers and each figure is the best round (5 of push and pull, 3 of the small requests).
 * The memory row is the server's own peak RSS while skopeo pushes an image with a 1 GiB layer,
 * against the same with a 10 MiB layer.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { digestBytes } from '../src/digest/index.ts';
import { initLayout } from '../src/store/index.ts';
import { freePort, startRegistry } from '../test/helpers/registry.ts';
import { BENCH_DIR, OCIKIT_CLI, type Row, timeAsync, timeShell } from './lib.ts';
import { writeBenchImage } from './trees.ts';

/** Rounds of push and pull (the machine is shared: the best of several is the least noisy). */
const ROUNDS = 5;
/** Rounds that also time the small requests (each takes seconds against docker-registry). */
const REQUEST_ROUNDS = 3;
const REQUESTS = 1000;

/** A registry under test: where it answers, and how to stop it. */
interface Server {
  host: string;
  /** Peak resident set size of the server process so far, in MiB (ocikit serve only). */
  peakMiB?: () => number;
  stop(): Promise<void>;
}

/** Starts `ocikit serve ROOT --listen 127.0.0.1:PORT` as a user runs it; resolves once `/v2/` answers. */
async function startOcikitServe(root: string): Promise<Server> {
  const host = `127.0.0.1:${await freePort()}`;
  const child: ChildProcess = spawn(process.execPath, [OCIKIT_CLI, 'serve', root, '--listen', host], {
    stdio: 'ignore',
  });
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exit.then(() => {
    exited = true;
  });
  for (let i = 0; !(await answers(host)); i++) {
    if (exited || i > 200) {
      child.kill('SIGKILL');
      throw new Error('ocikit serve did not start');
    }
    await sleep(50);
  }
  return {
    host,
    peakMiB: () => peakRssMiB(child.pid as number),
    async stop() {
      if (!exited) child.kill('SIGTERM');
      await Promise.race([exit, sleep(5000)]);
      if (!exited) child.kill('SIGKILL');
      await exit;
      await rm(root, { recursive: true, force: true });
    },
  };
}

async function startDistribution(): Promise<Server> {
  const registry = await startRegistry();
  return { host: registry.host, stop: () => registry.stop() };
}

async function answers(host: string): Promise<boolean> {
  try {
    const res = await fetch(`http://${host}/v2/`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** VmHWM (peak resident set) of a live process, in MiB. */
function peakRssMiB(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? Number.NaN) / 1024;
}

const push = (layout: string, host: string) =>
  `skopeo copy -q --dest-tls-verify=false oci:${layout}:img docker://${host}/bench/img:1`;
const pull = (host: string, dest: string) =>
  `mkdir -p ${dest} && skopeo copy -q --src-tls-verify=false docker://${host}/bench/img:1 oci:${dest}:img`;

/**
 * Sends `count` requests one after another over one keep-alive connection (node:http's agent: it
 * keeps a connection after a HEAD, where undici closes it); seconds taken.
 */
async function sequential(
  host: string,
  method: 'GET' | 'HEAD',
  path: string,
  count: number,
): Promise<number> {
  const [hostname, port] = host.split(':') as [string, string];
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        {
          hostname,
          port,
          method,
          path,
          agent,
          headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
        },
        (res) => {
          res.resume();
          res.once('end', () =>
            res.statusCode === 200 ? resolve() : reject(new Error(`${method} ${path}: ${res.statusCode}`)),
          );
        },
      );
      req.once('error', reject);
      req.end();
    });
  try {
    await one(); // opens the connection
    return await timeAsync(async () => {
      for (let i = 0; i < count; i++) await one();
    });
  } finally {
    agent.destroy();
  }
}

interface Timings {
  push: number;
  pull: number;
  heads: number;
  tags: number;
}

/** One round against one server: push, pull, then the small requests on what was pushed. */
async function round(server: Server, layout: string, dest: string, requests: boolean): Promise<Timings> {
  const pushTime = timeShell(push(layout, server.host));
  const pullTime = timeShell(pull(server.host, dest));
  await rm(dest, { recursive: true, force: true });
  return {
    push: pushTime,
    pull: pullTime,
    heads: requests ? await sequential(server.host, 'HEAD', '/v2/bench/img/manifests/1', REQUESTS) : Infinity,
    tags: requests ? await sequential(server.host, 'GET', '/v2/bench/img/tags/list', REQUESTS) : Infinity,
  };
}

function bestOf(a: Timings, b: Timings): Timings {
  return {
    push: Math.min(a.push, b.push),
    pull: Math.min(a.pull, b.pull),
    heads: Math.min(a.heads, b.heads),
    tags: Math.min(a.tags, b.tags),
  };
}

/** Writes an image of one uncompressed layer of `bytes` random bytes into a new layout at `dir`. */
async function writeOneLayerImage(dir: string, bytes: number): Promise<void> {
  const layout = await initLayout(dir);
  async function* random(): AsyncGenerator<Buffer> {
    for (let left = bytes; left > 0; left -= 4 << 20)
      yield randomFillSync(Buffer.alloc(Math.min(left, 4 << 20)));
  }
  const layer = await layout.ingest(random());
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [layer.digest] },
    }),
  );
  const configInfo = await layout.putBytes(config, digestBytes(config));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...configInfo },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
    }),
  );
  const manifestInfo = await layout.putBytes(manifest, digestBytes(manifest));
  await layout.tag('img', { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifestInfo });
}

/** Peak RSS of `ocikit serve` while skopeo pushes an image with one layer of `bytes`. */
async function servePeakPushing(work: string, bytes: number): Promise<number> {
  const layout = join(work, `mem-${bytes}`);
  await writeOneLayerImage(layout, bytes);
  const server = await startOcikitServe(join(work, `mem-root-${bytes}`));
  try {
    timeShell(push(layout, server.host));
    return (server.peakMiB as () => number)();
  } finally {
    await server.stop();
    await rm(layout, { recursive: true, force: true });
  }
}

/** Builds the image once, then runs interleaved rounds against both servers. */
export async function benchServe(): Promise<Row[]> {
  const work = join(BENCH_DIR, 'serve');
  const { layout, megabytes } = await writeBenchImage(work);
  const none: Timings = { push: Infinity, pull: Infinity, heads: Infinity, tags: Infinity };
  let ocikit = none;
  let distribution = none;
  for (let i = 0; i < ROUNDS; i++) {
    // Alternate which server goes first, so neither always runs on a warmer machine.
    const order = i % 2 === 0 ? (['ocikit', 'distribution'] as const) : (['distribution', 'ocikit'] as const);
    for (const which of order) {
      const server =
        which === 'ocikit' ? await startOcikitServe(join(work, `root-${i}`)) : await startDistribution();
      try {
        const timings = await round(server, layout, join(work, `pull-${which}-${i}`), i < REQUEST_ROUNDS);
        if (which === 'ocikit') ocikit = bestOf(ocikit, timings);
        else distribution = bestOf(distribution, timings);
      } finally {
        await server.stop();
      }
    }
  }
  const small = await servePeakPushing(work, 10 << 20);
  const large = await servePeakPushing(work, 1 << 30);
  await rm(work, { recursive: true, force: true });
  const row = (operation: string, key: keyof Timings): Row => ({
    operation,
    ocikit: ocikit[key],
    peer: 'docker-registry',
    peerTime: distribution[key],
    target: '<= 1.0x',
  });
  return [
    row(`serve: skopeo push 4 layers (${megabytes} MB)`, 'push'),
    row(`serve: skopeo pull 4 layers (${megabytes} MB)`, 'pull'),
    row(`serve: ${REQUESTS} manifest HEADs (keep-alive)`, 'heads'),
    row(`serve: ${REQUESTS} tag lists (keep-alive)`, 'tags'),
    {
      // Not seconds: the server's peak RSS in MiB pushing a 1 GiB layer, against a 10 MiB one.
      operation: 'serve: peak RSS MiB, push 1 GiB layer',
      ocikit: large,
      peer: 'ocikit serve, 10 MiB layer',
      peerTime: small,
      target: '<= +50 MiB',
    },
  ];
}
