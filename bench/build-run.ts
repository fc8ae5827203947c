/**
 * RUN in builds: a Dockerfile of 10 RUN steps on the Debian base of the tests
 * (test/helpers/debian-base.ts, debootstrap minbase, thousands of files) built by `ocikit build`
 * and by `buildah bud --layers --format docker --network none`, both cold (empty cache, fresh
 * store) on the same tmpfs; and the cost of one step that changes one file on a root filesystem
 * of 100k files against the same step on one of 4k files (the capture must not grow with the
 * rootfs), run by the RUN executor in this process with the lower layer already unpacked.
 */

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { type LowerLayer, runStep } from '../src/build/run/index.ts';
import type { Digest } from '../src/digest/index.ts';
import { createLayer } from '../src/tar/index.ts';
import { closeBuildahStore, createBuildahStore } from '../test/helpers/buildah.ts';
import { writeBusyboxRootfs } from '../test/helpers/busybox.ts';
import { DEBIAN_SUITE, debianBase } from '../test/helpers/debian-base.ts';
import { BENCH_DIR, best, OCIKIT, type Row, timeAsync, timeShell } from './lib.ts';
import { writeTree } from './trees.ts';

/** Ten steps a real image build runs, none needing the network. */
const STEPS = [
  'useradd --create-home --uid 1000 app',
  'mkdir -p /opt/app && cp -a /usr/share/doc /opt/app/doc',
  'dpkg-query -W > /opt/app/packages.txt',
  'echo "welcome" > /etc/motd && sed -i "s/^#force_color_prompt/force_color_prompt/" /etc/skel/.bashrc',
  'chown -R app:app /opt/app && chmod -R go-w /opt/app',
  'rm -rf /usr/share/doc/* /usr/share/man/*',
  'find /usr/lib -name "*.so*" | sort > /opt/app/libraries.txt',
  'tar -czf /opt/app/etc-backup.tgz -C / etc',
  'ln -s /opt/app /app && mkdir -p /var/lib/app && touch /var/lib/app/state',
  'for i in $(seq 1 200); do echo "$i" > /var/lib/app/item-$i; done',
];

async function tenRunSteps(): Promise<Row[]> {
  const work = join(BENCH_DIR, 'build-run');
  const base = await debianBase();
  // Both tools read the base from the same tmpfs (and buildah names images after the path).
  const layout = join(work, 'debian');
  await cp(base.layout, layout, { recursive: true });
  const from = `oci:${layout}:${DEBIAN_SUITE}`;
  const context = join(work, 'context');
  await mkdir(context, { recursive: true });
  const dockerfile = join(context, 'Dockerfile');
  await writeFile(dockerfile, [`FROM ${from}`, ...STEPS.map((s) => `RUN ${s}`), ''].join('\n'));

  const storeDir = join(work, 'buildah');
  const cache = join(work, 'ocikit-cache');
  const out = join(work, 'ocikit-out');
  let buildahTime = Infinity;
  let ocikitTime = Infinity;
  for (let i = 0; i < 2; i++) {
    await rm(storeDir, { recursive: true, force: true });
    const store = await createBuildahStore(storeDir);
    try {
      buildahTime = Math.min(
        buildahTime,
        timeShell(
          `buildah ${store.globalArgs.join(' ')} bud --layers --format docker --network none ` +
            `--signature-policy ${store.policy} --quiet -f ${dockerfile} -t localhost/bench:run ${context}`,
          { ...process.env, ...store.env },
        ),
      );
    } finally {
      await closeBuildahStore(store);
    }
    await rm(cache, { recursive: true, force: true });
    await rm(out, { recursive: true, force: true });
    ocikitTime = Math.min(
      ocikitTime,
      timeShell(
        `${OCIKIT} build ${context} -f ${dockerfile} -t oci:${out}:run --cache-dir ${cache} --network none --progress plain`,
      ),
    );
  }
  await rm(work, { recursive: true, force: true });
  return [
    {
      operation: '10 RUN steps on Debian minbase, cold',
      ocikit: ocikitTime,
      peer: 'buildah bud --layers --network none',
      peerTime: buildahTime,
      target: '<= 0.5x',
    },
  ];
}

/** A lower layer of busybox plus `files` small files, written as a tar file under `dir`. */
async function treeLayer(dir: string, files: number): Promise<LowerLayer> {
  const root = join(dir, 'root');
  await writeBusyboxRootfs(root);
  await writeTree(join(root, 'data'), { seed: files, files, maxSize: 256 });
  const tar = join(dir, 'layer.tar');
  const hash = createHash('sha256');
  const layer = createLayer(root, { timestamp: 0 });
  layer.on('data', (chunk: Buffer) => hash.update(chunk));
  await pipeline(layer, createWriteStream(tar));
  await rm(root, { recursive: true, force: true });
  const diffId = `sha256:${hash.digest('hex')}` as Digest;
  return { diffId, open: async () => createReadStream(tar) };
}

/** Best time of a step writing one file on `layer` (after a first run unpacks the layer). */
async function oneFileStep(dir: string, layer: LowerLayer): Promise<number> {
  const cacheRoot = join(dir, 'cache');
  await mkdir(cacheRoot, { recursive: true });
  const step = async (n: number): Promise<void> => {
    const result = await runStep({
      layers: [layer],
      cacheRoot,
      command: { form: 'shell', command: `echo ${n} > /one` },
      network: 'none',
      timestamp: 0,
    });
    if (result.entries !== 1) throw new Error(`the step wrote ${result.entries} entries, not 1`);
    await result.layer?.dispose();
  };
  await step(0);
  let n = 0;
  return best(5, () => timeAsync(() => step(++n)));
}

async function captureCost(): Promise<Row[]> {
  const work = join(BENCH_DIR, 'run-capture');
  const small = join(work, 'small');
  const large = join(work, 'large');
  await mkdir(small, { recursive: true });
  await mkdir(large, { recursive: true });
  const smallTime = await oneFileStep(small, await treeLayer(small, 4_000));
  const largeTime = await oneFileStep(large, await treeLayer(large, 100_000));
  await rm(work, { recursive: true, force: true });
  const extra = Math.round((largeTime - smallTime) * 1000);
  return [
    {
      operation: `RUN changing 1 file, 100k-file rootfs (${extra >= 0 ? '+' : ''}${extra} ms)`,
      ocikit: largeTime,
      peer: 'same step, 4k-file rootfs',
      peerTime: smallTime,
      target: 'within +50 ms',
    },
  ];
}

/** The RUN benchmarks: ten steps against buildah, and the capture cost against rootfs size. */
export async function benchBuildRun(): Promise<Row[]> {
  return [...(await tenRunSteps()), ...(await captureCost())];
}
