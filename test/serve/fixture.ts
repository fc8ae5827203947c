/** Helpers of the serve tests: an in-process `ocikit serve` on a scratch root, and test images. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { type RunningServer, type StartServerOptions, startServer } from '../../src/serve/index.ts';
import { ocikit } from '../helpers/cli.ts';
import { scratch } from '../helpers/tmp.ts';

/** A running in-process server and its root. */
export interface ServeFixture extends RunningServer {
  root: string;
}

/** Starts `ocikit serve` in-process on 127.0.0.1 and an ephemeral port; stopped when the test ends. */
export async function serve(
  t: Pick<TestContext, 'after'>,
  options: Partial<StartServerOptions> = {},
): Promise<ServeFixture> {
  const root = options.root ?? join(await scratch(t, 'ocikit-serve-'), 'root');
  const server = await startServer({ listen: '127.0.0.1:0', ...options, root });
  t.after(() => server.close());
  return { ...server, root };
}

/** Runs the ocikit CLI and fails with its stderr when it exits non-zero; returns stdout. */
export async function ok(args: string[], cwd?: string): Promise<string> {
  const result = await ocikit(args, cwd === undefined ? {} : { cwd });
  if (result.code !== 0) throw new Error(`ocikit ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.out;
}

/**
 * Builds test images into the layout `DIR/src`: `single` (one OCI image of real tar layers) and
 * `multi` (an index for linux/amd64 and linux/arm64). Returns the layout's path.
 */
export async function makeImages(dir: string): Promise<string> {
  const context = join(dir, 'context');
  await mkdir(join(context, 'sub'), { recursive: true });
  await writeFile(join(context, 'hello.txt'), `hello ${Math.random()}\n`);
  await writeFile(join(context, 'sub', 'data.bin'), Buffer.alloc(200_000, 7));
  await writeFile(join(context, 'Dockerfile'), 'FROM scratch\nCOPY hello.txt /hello.txt\nCOPY sub /sub\n');
  const layout = join(dir, 'src');
  await ok(['build', context, '-t', `oci:${layout}:multi`, '--platform', 'linux/amd64,linux/arm64']);
  await ok(['build', context, '-t', `oci:${layout}:single`]);
  return layout;
}
