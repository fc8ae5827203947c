/**
 * `buildah bud` as a peer for Dockerfile builds, run as root with a store of its own (image
 * storage, run root and temp folder in a test folder; no network), so tests touch nothing of the
 * machine's containers. Each result is exported as a `docker-archive:` file, which keeps the
 * Docker config fields an OCI export drops (Healthcheck, OnBuild, Shell).
 *
 * Choices, measured with buildah 1.28: the overlay driver (a COPY step takes about 0.1 s, against
 * about 1 s with vfs, which stays the fallback where the kernel has no overlayfs); the default
 * isolation, since chroot isolation is refused together with `--network none` and builds without
 * RUN start no container anyway.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './exec.ts';

/** A private buildah store: its own image storage, run root, temp folder and signature policy. */
export interface BuildahStore {
  readonly dir: string;
  /** Global flags that point buildah at this store. */
  readonly globalArgs: readonly string[];
  /** Environment for every buildah run (its temp folder). */
  readonly env: NodeJS.ProcessEnv;
  /** Policy file accepting any image (the bases are local files the tests made). */
  readonly policy: string;
}

/** What one `buildah bud` is asked to build. */
export interface BuildahBuild {
  /** The context directory. */
  readonly context: string;
  /** The Dockerfile's path. */
  readonly dockerfile: string;
  readonly buildArgs?: Readonly<Record<string, string>>;
  readonly target?: string;
  /** `--label` values (set on the result). */
  readonly labels?: Readonly<Record<string, string>>;
  /** Where the result is written, as a `docker-archive:` file. */
  readonly archive: string;
}

let counter = 0;

async function storageDriver(): Promise<'overlay' | 'vfs'> {
  const filesystems = await readFile('/proc/filesystems', 'utf8').catch(() => '');
  return /\toverlay$/m.test(filesystems) ? 'overlay' : 'vfs';
}

/**
 * Prepares a store under `dir` (release it with {@link closeBuildahStore}). buildah needs root
 * for its storage here: throws with the reason otherwise, so a run never passes without the
 * comparison.
 */
export async function createBuildahStore(dir: string): Promise<BuildahStore> {
  if (process.geteuid?.() !== 0) {
    throw new Error('the buildah comparison runs buildah as root; run the tests as root');
  }
  const tmp = join(dir, 'tmp');
  await mkdir(tmp, { recursive: true });
  const policy = join(dir, 'policy.json');
  await writeFile(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
  const driver = await storageDriver();
  return {
    dir,
    globalArgs: ['--root', join(dir, 'root'), '--runroot', join(dir, 'runroot'), '--storage-driver', driver],
    env: { TMPDIR: tmp },
    policy,
  };
}

/**
 * Builds with `buildah bud --layers --format docker --network none` and exports the image to
 * `build.archive`. Rejects with buildah's stderr when the build fails. `--no-cache` too: buildah
 * 1.28's layer cache serves an `ARG` step built with another `--build-arg` value, so a build
 * could show the result of an earlier one.
 */
export async function buildahBud(store: BuildahStore, build: BuildahBuild): Promise<void> {
  counter += 1;
  const name = `localhost/ocikit-peer:${process.pid}-${counter}`;
  const args = [...store.globalArgs, 'bud', '--layers', '--no-cache', '--format', 'docker'];
  args.push('--network', 'none', '--signature-policy', store.policy, '--quiet');
  args.push('-f', build.dockerfile, '-t', name);
  for (const [key, value] of Object.entries(build.buildArgs ?? {}))
    args.push('--build-arg', `${key}=${value}`);
  for (const [key, value] of Object.entries(build.labels ?? {})) args.push('--label', `${key}=${value}`);
  if (build.target !== undefined) args.push('--target', build.target);
  args.push(build.context);
  await run('buildah', args, { env: store.env });
  const push = [...store.globalArgs, 'push', '--signature-policy', store.policy, '--quiet'];
  await run('buildah', [...push, name, `docker-archive:${build.archive}:${name}`], { env: store.env });
}

/** Removes the working containers a failed build may have left mounted, so the folder can go. */
export async function closeBuildahStore(store: BuildahStore): Promise<void> {
  await run('buildah', [...store.globalArgs, 'rm', '--all'], { env: store.env }).catch(() => undefined);
}
