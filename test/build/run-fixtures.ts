/**
 * Fixtures for the RUN executor tests: a busybox root filesystem as real image layers, a runner
 * with a scratch cache, and a reader of the layer a step wrote.
 */
import { existsSync } from 'node:fs';
import { mkdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { TestContext } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type {
  LowerLayer,
  RunStepOptions,
  RunStepResult,
  SpooledRunLayer,
} from '../../src/build/run/index.ts';
import { runStep } from '../../src/build/run/index.ts';
import { digestBytes } from '../../src/digest/index.ts';
import { createLayer, readTar, type TarEntry } from '../../src/tar/index.ts';
import { writeBusyboxRootfs } from '../helpers/busybox.ts';
import { scratch } from '../helpers/tmp.ts';

/** Applets the RUN tests use beyond the base rootfs's. */
const MORE_APPLETS = [
  'chmod',
  'chown',
  'cp',
  'dd',
  'find',
  'grep',
  'head',
  'hostname',
  'ln',
  'mkdir',
  'mkfifo',
  'mknod',
  'mv',
  'printf',
  'readlink',
  'rm',
  'rmdir',
  'sed',
  'sleep',
  'sort',
  'test',
  'touch',
  'tr',
  'wc',
  'ifconfig',
  'xxd',
];

/** Writes the busybox rootfs of test/helpers/busybox.ts with the extra applets the RUN tests use. */
export async function writeRunRootfs(root: string): Promise<void> {
  await writeBusyboxRootfs(root);
  for (const applet of MORE_APPLETS) {
    if (!existsSync(join(root, 'bin', applet))) await symlink('busybox', join(root, 'bin', applet));
  }
}

/** Drains a stream into one buffer. */
export async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(parts);
}

/** A lower layer made of the uncompressed tar `tar`. */
export function layerOfTar(tar: Buffer): LowerLayer & { tar: Buffer } {
  return { tar, diffId: digestBytes(tar), open: async () => Readable.from([tar]) };
}

/**
 * A lower layer holding everything below `dir`, every time clamped to {@link FIXTURE_TIME}: a
 * step's changes are then never in the same second as the layer below (where a layer's
 * whole-second times could not tell them apart).
 */
export async function layerOfDir(dir: string): Promise<LowerLayer & { tar: Buffer }> {
  return layerOfTar(await collect(createLayer(dir, { timestamp: FIXTURE_TIME })));
}

/** The busybox base as one layer, built in a scratch folder. */
export async function busyboxLayer(t: TestContext): Promise<LowerLayer & { tar: Buffer }> {
  const dir = await scratch(t, 'ocikit-run-base-');
  await writeRunRootfs(dir);
  return layerOfDir(dir);
}

/** A runner of steps sharing one cache folder; its layers are disposed after the test. */
export async function stepRunner(t: TestContext) {
  const cacheRoot = await scratch(t, 'ocikit-run-cache-');
  const spooled: SpooledRunLayer[] = [];
  t.after(async () => {
    for (const layer of spooled) await layer.dispose();
  });
  const run = async (
    layers: readonly LowerLayer[],
    options: Omit<RunStepOptions, 'layers' | 'cacheRoot'>,
  ): Promise<RunStepResult & { stdout: string; stderr: string }> => {
    let stdout = '';
    let stderr = '';
    const result = await runStep({
      network: 'none',
      ...options,
      layers,
      cacheRoot,
      onOutput: (chunk, stream) => {
        if (stream === 'stdout') stdout += chunk.toString();
        else stderr += chunk.toString();
        options.onOutput?.(chunk, stream);
      },
    });
    if (result.layer !== undefined) spooled.push(result.layer);
    return { ...result, stdout, stderr };
  };
  return { cacheRoot, run };
}

/** Runs a shell-form command. */
export function sh(command: string): RunStepOptions['command'] {
  return { form: 'shell', command };
}

/** One entry of a layer, with its content (files). */
export interface LayerEntry extends Omit<TarEntry, 'xattrs'> {
  content?: Buffer;
  xattrs: Record<string, string>;
}

/** The uncompressed tar of a spooled layer. */
export async function layerTar(layer: SpooledRunLayer): Promise<Buffer> {
  return gunzipSync(await collect(layer.open()));
}

/** The entries of an uncompressed layer tar, in order. */
export async function tarEntries(tar: Buffer): Promise<LayerEntry[]> {
  const out: LayerEntry[] = [];
  for await (const { entry, body } of readTar([tar])) {
    const content = entry.type === 'file' && entry.size > 0 ? await collect(Readable.from(body)) : undefined;
    const xattrs: Record<string, string> = {};
    for (const [name, value] of entry.xattrs) xattrs[name] = value.toString('hex');
    out.push({ ...entry, xattrs, ...(content !== undefined ? { content } : {}) });
  }
  return out;
}

/** The entries of a step's layer (empty when it wrote none). */
export async function layerEntries(layer: SpooledRunLayer | undefined): Promise<LayerEntry[]> {
  return layer === undefined ? [] : tarEntries(await layerTar(layer));
}

/** A spooled layer as a lower layer for the next step. */
export async function nextLayer(layer: SpooledRunLayer): Promise<LowerLayer & { tar: Buffer }> {
  return layerOfTar(await layerTar(layer));
}

/** A time the fixture files carry (2023-11-14), so a step can put it back with `touch -r`. */
export const FIXTURE_TIME = 1_700_000_000;

/**
 * The busybox base plus `/data`, a tree every kind of change can be made to: files to keep,
 * change, delete and replace, a directory to replace by a symlink, one to empty and refill, a
 * deep unchanged file, a file to rewrite keeping its size and time, and one to hard-link.
 */
export async function dataBaseLayer(t: TestContext): Promise<LowerLayer & { tar: Buffer }> {
  const dir = await scratch(t, 'ocikit-run-data-');
  await writeRunRootfs(dir);
  const data = join(dir, 'data');
  await mkdir(join(data, 'replace-dir/child'), { recursive: true });
  await mkdir(join(data, 'opaque/sub'), { recursive: true });
  await mkdir(join(data, 'nested/deep'), { recursive: true });
  const files: Record<string, string> = {
    keep: 'keep\n',
    change: 'change\n',
    delete: 'delete\n',
    'replace-file': 'a file that becomes a directory\n',
    'replace-dir/child/f': 'gone with its directory\n',
    'opaque/a': 'a\n',
    'opaque/sub/b': 'b\n',
    'nested/deep/file': 'deep\n',
    same: 'abcd',
    reference: 'time reference\n',
    linkme: 'hard-linked later\n',
  };
  for (const [path, content] of Object.entries(files)) await writeFile(join(data, path), content);
  for (const path of [
    ...Object.keys(files),
    'replace-dir/child',
    'replace-dir',
    'opaque/sub',
    'opaque',
    'nested/deep',
    'nested',
    '.',
  ]) {
    await utimes(join(data, path), FIXTURE_TIME, FIXTURE_TIME);
  }
  return layerOfDir(dir);
}

/** A step making every kind of change to {@link dataBaseLayer}. */
export const EVERY_CHANGE = [
  'set -e',
  'echo more >> /data/change',
  'rm /data/delete',
  'rm /data/replace-file && mkdir /data/replace-file',
  'rm -rf /data/replace-dir && ln -s /data/keep /data/replace-dir',
  'rm -rf /data/opaque && mkdir /data/opaque && echo c > /data/opaque/c',
  'printf ABCD > /data/same && touch -r /data/reference /data/same',
  'ln /data/linkme /data/linked',
  'mkdir /new && echo n > /new/file && ln /new/file /new/hard && ln -s file /new/sym',
  'mkfifo /new/fifo && mknod /new/null c 1 3 && mknod /new/loop b 7 0',
  'echo s > /new/suid && chmod 4755 /new/suid && chmod 1777 /new',
  'echo o > /new/owned && chown 1234:5678 /new/owned',
].join('\n');
