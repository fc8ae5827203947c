/**
 * A COPY-heavy Dockerfile (5000 files, about 100 MB, three stages, `COPY --from` twice) built by
 * `ocikit build` and by `buildah bud --layers --format docker --network none` on the same tmpfs:
 * cold (empty cache, empty store) and rebuilt with nothing changed (both caches warm). buildah gets
 * a store of its own set up as the build tests set it up (test/helpers/buildah.ts): the overlay
 * driver where it works on this filesystem, else vfs.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type BuildahStore, closeBuildahStore, createBuildahStore } from '../test/helpers/buildah.ts';
import { BENCH_DIR, OCIKIT, type Row, timeShell } from './lib.ts';
import { writeTree } from './trees.ts';

const RUNS = 3;

/** Two stages of one big COPY each, and a third that takes both with `COPY --from` and adds its own. */
const DOCKERFILE = `FROM scratch AS assets
COPY assets/ /srv/assets/
FROM scratch AS code
COPY src/ /srv/src/
FROM scratch
COPY --from=assets /srv/assets /app/assets
COPY --from=code /srv/src /app/src
COPY conf/ /app/conf/
`;

/** Writes the context (5000 files, mean size 20 KiB) and returns its size in bytes. */
async function writeContext(dir: string): Promise<number> {
  let bytes = 0;
  bytes += await writeTree(join(dir, 'assets'), { seed: 21, files: 2000, maxSize: 80 << 10 });
  bytes += await writeTree(join(dir, 'src'), { seed: 22, files: 2000, maxSize: 80 << 10 });
  bytes += await writeTree(join(dir, 'conf'), { seed: 23, files: 1000, maxSize: 80 << 10 });
  return bytes;
}

/** The store's flags with another storage driver. */
function withDriver(store: BuildahStore, driver: string): BuildahStore {
  const globalArgs = [...store.globalArgs];
  globalArgs[globalArgs.indexOf('--storage-driver') + 1] = driver;
  return { ...store, globalArgs };
}

/** A fresh store under `dir`, with the driver that the probe found to work here. */
async function freshStore(dir: string, driver: string): Promise<BuildahStore> {
  await rm(dir, { recursive: true, force: true });
  return withDriver(await createBuildahStore(dir), driver);
}

/** The driver the test helper picks, if buildah can open a store with it on this filesystem; else vfs. */
async function probeDriver(dir: string): Promise<string> {
  const store = await createBuildahStore(dir);
  const driver = store.globalArgs[store.globalArgs.indexOf('--storage-driver') + 1] ?? 'vfs';
  const probe = spawnSync('buildah', [...store.globalArgs, 'info'], {
    env: { ...process.env, ...store.env },
    stdio: 'ignore',
  });
  await rm(dir, { recursive: true, force: true });
  return probe.status === 0 ? driver : 'vfs';
}

/** Builds the context with each tool, best of 3 cold and best of 3 unchanged rebuilds, interleaved. */
export async function benchBuild(): Promise<Row[]> {
  const work = join(BENCH_DIR, 'build');
  const context = join(work, 'context');
  const bytes = await writeContext(context);
  const dockerfile = join(work, 'Dockerfile');
  await writeFile(dockerfile, DOCKERFILE);

  const driver = await probeDriver(join(work, 'buildah-probe'));
  const storeDir = join(work, 'buildah');
  let store = await freshStore(storeDir, driver);
  const buildah = (): number =>
    timeShell(
      `buildah ${store.globalArgs.join(' ')} bud --layers --format docker --network none ` +
        `--signature-policy ${store.policy} --quiet -f ${dockerfile} -t localhost/bench:build ${context}`,
      { ...process.env, ...store.env },
    );
  const cache = join(work, 'ocikit-cache');
  const layout = join(work, 'ocikit-out');
  const ocikit = (): number =>
    timeShell(
      `${OCIKIT} build ${context} -f ${dockerfile} -t oci:${layout}:build --cache-dir ${cache} --progress plain`,
    );

  const cold = { ocikit: Infinity, buildah: Infinity };
  const warm = { ocikit: Infinity, buildah: Infinity };
  try {
    for (let i = 0; i < RUNS; i++) {
      await closeBuildahStore(store);
      store = await freshStore(storeDir, driver);
      cold.buildah = Math.min(cold.buildah, buildah());
      await rm(cache, { recursive: true, force: true });
      await rm(layout, { recursive: true, force: true });
      await mkdir(cache, { recursive: true });
      cold.ocikit = Math.min(cold.ocikit, ocikit());
    }
    for (let i = 0; i < RUNS; i++) {
      warm.buildah = Math.min(warm.buildah, buildah());
      warm.ocikit = Math.min(warm.ocikit, ocikit());
    }
  } finally {
    await closeBuildahStore(store);
  }

  const what = `build 3 stages, 5000 files, ${Math.round(bytes / 1e6)} MB`;
  const peer = `buildah bud --layers (${driver})`;
  return [
    { operation: `${what}, cold`, ocikit: cold.ocikit, peer, peerTime: cold.buildah, target: '<= 0.5x' },
    { operation: `${what}, rebuild`, ocikit: warm.ocikit, peer, peerTime: warm.buildah, target: '<= 0.3x' },
  ];
}
