/**
 * Helpers for the build engine's tests: a context written from a table of files, a build into an
 * OCI layout with a private cache, and the result read back — layers listed by GNU tar (a peer,
 * not our reader), config and manifest as written.
 */
import { chmod, lutimes, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { type BuildOptions, type BuildResult, build } from '../../src/build/index.ts';
import { run } from '../helpers/exec.ts';
import { scratch } from '../helpers/tmp.ts';

/** A file of a test context: its content, or a directory, or a symlink, with an optional mode. */
export type FileSpec =
  | string
  | { content?: string; mode?: number; symlink?: string; dir?: true; mtime?: number };

/** Writes `files` (relative path → spec) under `root`. */
export async function writeTree(root: string, files: Readonly<Record<string, FileSpec>>): Promise<void> {
  for (const [path, spec] of Object.entries(files)) {
    const abs = join(root, path);
    await mkdir(dirname(abs), { recursive: true });
    const s = typeof spec === 'string' ? { content: spec } : spec;
    if (s.symlink !== undefined) await symlink(s.symlink, abs);
    else if (s.dir) await mkdir(abs, { recursive: true });
    else await writeFile(abs, s.content ?? '');
    if (s.mode !== undefined && s.symlink === undefined) await chmod(abs, s.mode);
    if (s.mtime !== undefined) await lutimes(abs, s.mtime, s.mtime);
  }
}

/** A finished test build. */
export interface TestBuild {
  readonly result: BuildResult;
  /** The layout the image was written to, tagged `img`. */
  readonly layout: string;
  readonly context: string;
  readonly cacheDir: string;
}

/** Options of {@link buildIn}. */
export interface BuildInOptions extends Partial<BuildOptions> {
  /** Reuse this context directory instead of a new one. */
  readonly contextDir?: string;
}

/** Writes a context (`files` plus the Dockerfile) and builds it into `oci:LAYOUT:img` with a private cache. */
export async function buildIn(
  t: TestContext,
  dockerfile: string,
  files: Readonly<Record<string, FileSpec>> = {},
  options: BuildInOptions = {},
): Promise<TestBuild> {
  const dir = await scratch(t, 'ocikit-build-test-');
  const context = options.contextDir ?? join(dir, 'context');
  await mkdir(context, { recursive: true });
  await writeTree(context, files);
  await writeFile(join(context, 'Dockerfile'), dockerfile);
  const layout = join(dir, 'layout');
  const cacheDir = options.cacheDir ?? join(dir, 'cache');
  const result = await build({ context, cacheDir, tags: [`oci:${layout}:img`], ...options });
  return { result, layout, context, cacheDir };
}

/** The manifest, config and layer blob paths of the image tagged `tag` in `layout`. */
export async function readImage(layout: string, tag = 'img') {
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8'));
  const entry = index.manifests.find(
    (m: { annotations?: Record<string, string> }) =>
      m.annotations?.['org.opencontainers.image.ref.name'] === tag,
  );
  const blob = (digest: string): string => join(layout, 'blobs', ...digest.split(':'));
  const manifest = JSON.parse(await readFile(blob(entry.digest), 'utf8'));
  const config = JSON.parse(await readFile(blob(manifest.config.digest), 'utf8'));
  const layers: string[] = manifest.layers.map((l: { digest: string }) => blob(l.digest));
  return { digest: entry.digest as string, manifest, config, layers, blob };
}

/**
 * A layer's entries as GNU tar lists them, one compact line each:
 * `TYPE MODE UID:GID SIZE PATH[ -> TARGET]` with TYPE `-` file, `d` dir, `l` symlink, `h` hard link,
 * times left out unless `withTimes` (then `@SECONDS` is appended).
 */
export async function listLayer(path: string, withTimes = false): Promise<string[]> {
  const out = await run('tar', ['--numeric-owner', '--full-time', '-tvzf', path], { env: { TZ: 'UTC' } });
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const m = /^(\S)(\S{9})\s+(\d+)\/(\d+)\s+(\d+)\s+(\S+ \S+)\s+(.*)$/.exec(line);
      if (m === null) throw new Error(`unexpected tar listing line: ${line}`);
      const [, type, perms, uid, gid, size, time, rest] = m as unknown as string[];
      const mode = permsToOctal(perms as string);
      const name = (rest as string).replace(/ link to /, ' => ');
      const seconds = Date.parse(`${(time as string).replace(' ', 'T')}Z`) / 1000;
      return `${type} ${mode} ${uid}:${gid} ${size} ${name}${withTimes ? ` @${seconds}` : ''}`;
    });
}

function permsToOctal(perms: string): string {
  let mode = 0;
  const bits = [0o400, 0o200, 0o100, 0o40, 0o20, 0o10, 0o4, 0o2, 0o1];
  for (let i = 0; i < 9; i++) {
    const c = perms[i];
    if (c !== '-' && c !== 'S' && c !== 'T') mode |= bits[i] as number;
  }
  if (/[sS]/.test(perms[2] as string)) mode |= 0o4000;
  if (/[sS]/.test(perms[5] as string)) mode |= 0o2000;
  if (/[tT]/.test(perms[8] as string)) mode |= 0o1000;
  return mode.toString(8).padStart(4, '0');
}

/** The entries of every layer of the image, in order. */
export async function listImage(layout: string, tag = 'img'): Promise<string[][]> {
  const image = await readImage(layout, tag);
  return Promise.all(image.layers.map((l) => listLayer(l)));
}
