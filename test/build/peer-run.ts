/**
 * Runs one case of the buildah comparison: writes the context, builds it with ocikit's build
 * (the `ocikit/build` library entry, in this process) and with `buildah bud`, unpacks both
 * results and normalises them (peer-normalise.ts). A suite makes one {@link PeerSuite} (the
 * busybox base, buildah's store) and runs its cases one after another.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from '../../src/build/index.ts';
import { unpackBundle } from '../../src/bundle/index.ts';
import { openImage } from '../../src/image/index.ts';
import type { ImageConfig } from '../../src/spec/index.ts';
import { openSource } from '../../src/transports/index.ts';
import { type BuildahStore, buildahBud, createBuildahStore } from '../helpers/buildah.ts';
import { run } from '../helpers/exec.ts';
import { makePeerBase } from './peer-base.ts';
import { assertNoStubLayers, RUNTIME_STUBS } from './peer-layer-stubs.ts';
import {
  dropBuildahLeaks,
  type ListingEntry,
  listRootfs,
  type NormalConfig,
  type Normalised,
  normaliseConfig,
} from './peer-normalise.ts';

/** A file of a case's context. */
export type ContextFile =
  | string
  | { readonly content: string; readonly mode?: number }
  | { readonly symlink: string }
  | { readonly dir: true; readonly mode?: number }
  /**
   * A tar archive of `files` and their directories (entries owned by `owner`, default 0:0; file
   * modes default 0644, directories 0755), compressed as asked.
   */
  | {
      readonly tar: Readonly<Record<string, string>>;
      readonly compress: 'none' | 'gzip' | 'bzip2' | 'xz' | 'zstd';
      readonly owner?: string;
      readonly modes?: Readonly<Record<string, number>>;
    };

/** What the rule itself says, written from BuildKit's documentation, checked on ocikit's image. */
export interface Expectation {
  /** Config fields that must be exactly these. */
  readonly config?: Partial<NormalConfig>;
  /** Paths with the attributes (and text content) they must have; null: the path must not exist. */
  readonly files?: Readonly<Record<string, (Partial<ListingEntry> & { content?: string }) | null>>;
  /** The instruction keywords of the history entries this build added, after the base's. */
  readonly history?: readonly string[];
}

/** One Dockerfile case: one rule, built by both tools. */
export interface PeerCase {
  /** The rule it covers. */
  readonly name: string;
  /** The Dockerfile; `@BASE@` stands for the busybox base image (an `oci:` name). */
  readonly dockerfile: string;
  /** The Dockerfile's name in the context (default `Dockerfile`). */
  readonly dockerfileName?: string;
  readonly files?: Readonly<Record<string, ContextFile>>;
  readonly buildArgs?: Readonly<Record<string, string>>;
  /** Labels given to the build (`--label`). */
  readonly labels?: Readonly<Record<string, string>>;
  readonly target?: string;
  readonly expect?: Expectation;
  /**
   * Where buildah 1.28 departs from BuildKit: `why`, and either a Dockerfile (and context, default
   * the case's own) that buildah builds to what BuildKit documents for the case's Dockerfile, or a
   * correction of buildah's result to what BuildKit documents (peer-departures.ts), or both.
   */
  readonly departs?: {
    readonly why: string;
    readonly dockerfile?: string;
    readonly files?: Readonly<Record<string, ContextFile>>;
    readonly correct?: (buildah: Normalised, baseHistory: number) => Normalised;
  };
}

/** The two results of a case. */
export interface PeerResult {
  readonly ocikit: Normalised;
  readonly buildah: Normalised;
  /** History entries of the base image (the entries a case adds come after these). */
  readonly baseHistory: number;
}

/** What the cases of one test file share. */
export interface PeerSuite {
  readonly dir: string;
  /** The base as an `oci:` name. */
  readonly base: string;
  readonly baseHistory: number;
  readonly store: BuildahStore;
}

/** Makes the base and buildah's store under `dir` (call once per test file). */
export async function createPeerSuite(dir: string): Promise<PeerSuite> {
  const { name, history } = await makePeerBase(join(dir, 'base'));
  return { dir, base: name, baseHistory: history, store: await createBuildahStore(join(dir, 'buildah')) };
}

/** Creates `rel`'s missing directories below `root` with mode 0755, whatever the umask. */
async function makeParents(root: string, rel: string): Promise<void> {
  let at = root;
  for (const part of rel.split('/').slice(0, -1)) {
    at = join(at, part);
    if ((await mkdir(at, { recursive: true })) !== undefined) await chmod(at, 0o755);
  }
}

async function writeTar(path: string, file: Extract<ContextFile, { tar: unknown }>): Promise<void> {
  const src = await mkdtemp(`${path}.src-`);
  const files = file.tar;
  for (const [name, content] of Object.entries(files)) {
    await makeParents(src, name);
    await writeFile(join(src, name), content);
    await chmod(join(src, name), file.modes?.[name] ?? 0o644);
  }
  const top = [...new Set(Object.keys(files).map((name) => name.split('/')[0] as string))].sort();
  const flag = { none: [], gzip: ['-z'], bzip2: ['-j'], xz: ['-J'], zstd: ['--zstd'] }[file.compress];
  const [uid = '0', gid = '0'] = (file.owner ?? '0:0').split(':');
  await run('tar', [
    '-c',
    ...flag,
    '-f',
    path,
    `--owner=${uid}`,
    `--group=${gid}`,
    '--numeric-owner',
    '--mtime=@0',
    '--sort=name',
    '-C',
    src,
    ...top,
  ]);
  await rm(src, { recursive: true, force: true });
}

/**
 * Writes a context directory. Modes are set after writing (the umask would narrow them);
 * directories not listed are made 0755.
 */
export async function writeContext(dir: string, files: Readonly<Record<string, ContextFile>>): Promise<void> {
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o755);
  for (const [path, file] of Object.entries(files)) {
    const abs = join(dir, path);
    await makeParents(dir, path);
    if (typeof file === 'string') {
      await writeFile(abs, file);
      await chmod(abs, 0o644);
    } else if ('content' in file) {
      await writeFile(abs, file.content);
      await chmod(abs, file.mode ?? 0o644);
    } else if ('symlink' in file) {
      await symlink(file.symlink, abs);
    } else if ('dir' in file) {
      await mkdir(abs, { recursive: true });
      await chmod(abs, file.mode ?? 0o755);
    } else if ('tar' in file) {
      await writeTar(abs, file);
    }
  }
}

async function normaliseImage(name: string, bundle: string): Promise<Normalised> {
  const source = await openSource(name);
  try {
    const image = await openImage(source);
    const config = JSON.parse(Buffer.from((await image.config()).bytes).toString('utf8')) as ImageConfig;
    await unpackBundle(image, bundle);
    return { ...normaliseConfig(config), files: await listRootfs(join(bundle, 'rootfs')) };
  } finally {
    await source.close();
  }
}

let caseNumber = 0;

/** Builds `c` with both tools and returns both results, normalised. */
export async function runPeerCase(suite: PeerSuite, c: PeerCase): Promise<PeerResult> {
  caseNumber += 1;
  const dir = join(suite.dir, `case-${caseNumber}`);
  const fill = (text: string): string => text.replaceAll('@BASE@', suite.base);
  const dockerfileName = c.dockerfileName ?? 'Dockerfile';

  const ours = join(dir, 'ocikit-context');
  await writeContext(ours, { ...c.files, [dockerfileName]: fill(c.dockerfile) });
  const out = join(dir, 'ocikit-out');
  await build({
    context: ours,
    dockerfile: join(ours, dockerfileName),
    tags: [`oci:${out}:peer`],
    cacheDir: join(dir, 'ocikit-cache'),
    noCache: true,
    ...(c.buildArgs !== undefined ? { buildArgs: c.buildArgs } : {}),
    ...(c.labels !== undefined ? { labels: c.labels } : {}),
    ...(c.target !== undefined ? { target: c.target } : {}),
  });
  // Stubs the case says must not be in the image must be in no layer either.
  const stubs = RUNTIME_STUBS.filter((path) => c.expect?.files?.[path] === null);
  if (stubs.length > 0) await assertNoStubLayers(out, 'peer', 0, stubs);

  const theirs = join(dir, 'buildah-context');
  const theirDockerfile = c.departs?.dockerfile ?? c.dockerfile;
  await writeContext(theirs, { ...(c.departs?.files ?? c.files), [dockerfileName]: fill(theirDockerfile) });
  const archive = join(dir, 'buildah.tar');
  await buildahBud(suite.store, {
    context: theirs,
    dockerfile: join(theirs, dockerfileName),
    archive,
    ...(c.buildArgs !== undefined ? { buildArgs: c.buildArgs } : {}),
    ...(c.labels !== undefined ? { labels: c.labels } : {}),
    ...(c.target !== undefined ? { target: c.target } : {}),
  });

  const ocikitResult = await normaliseImage(`oci:${out}:peer`, join(dir, 'ocikit-bundle'));
  let buildahResult = await normaliseImage(`docker-archive:${archive}`, join(dir, 'buildah-bundle'));
  buildahResult.files = dropBuildahLeaks(buildahResult.files, ocikitResult.files);
  if (c.departs?.correct) buildahResult = c.departs.correct(buildahResult, suite.baseHistory);
  await rm(dir, { recursive: true, force: true });
  return { ocikit: ocikitResult, buildah: buildahResult, baseHistory: suite.baseHistory };
}

/** Asserts that both tools agree, and that ocikit's image is what the case's rule says. */
export function assertPeerCase(c: PeerCase, result: PeerResult): void {
  const { ocikit: ours, buildah: theirs } = result;
  const peer = c.departs === undefined ? 'buildah' : "buildah corrected to BuildKit's result";
  assert.deepEqual(ours.config, theirs.config, `config: ocikit (actual) against ${peer} (expected)`);
  assert.deepEqual(ours.history, theirs.history, `history: ocikit (actual) against ${peer} (expected)`);
  assert.equal(ours.layers, theirs.layers, `layer count: ocikit against ${peer}`);
  assert.deepEqual(ours.files, theirs.files, `rootfs: ocikit (actual) against ${peer} (expected)`);
  assertExpectation(c.expect, ours, result.baseHistory);
}

/** Asserts the hand-written expectation of a case on one result. */
export function assertExpectation(
  expect: Expectation | undefined,
  image: Normalised,
  baseHistory: number,
): void {
  if (expect === undefined) return;
  for (const [key, value] of Object.entries(expect.config ?? {})) {
    assert.deepEqual(image.config[key as keyof NormalConfig], value, `config ${key}`);
  }
  for (const [path, want] of Object.entries(expect.files ?? {})) {
    const entry = image.files.find((e) => e.path === path);
    if (want === null) {
      assert.equal(entry, undefined, `${path} must not exist`);
      continue;
    }
    assert.ok(entry, `${path} must exist`);
    for (const [key, value] of Object.entries(want)) {
      if (key === 'content') {
        assert.equal(
          entry.sha256,
          createHash('sha256').update(String(value)).digest('hex'),
          `${path}: content`,
        );
      } else {
        assert.deepEqual(entry[key as keyof ListingEntry], value, `${path}: ${key}`);
      }
    }
  }
  if (expect.history !== undefined) {
    assert.deepEqual(
      image.history.slice(baseHistory).map((h) => h.instruction),
      expect.history,
      'history of this build',
    );
  }
}
