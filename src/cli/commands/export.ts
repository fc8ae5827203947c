/** `ocikit export IMAGE FILE.tar [--platform P]`: the flattened filesystem as one tar. */
import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Command } from '@commander-js/extra-typings';
import { toOciError } from '../../errors/index.ts';
import { openImage } from '../../image/image.ts';
import type { Image } from '../../image/types.ts';
import { exportFilesystem } from '../../mutate/index.ts';
import { withSource } from '../context.ts';

/**
 * Writes the export to `file` atomically: a fresh, randomly named file is created exclusively
 * (never through an existing path or symlink) next to it, renamed over `file` once complete, and
 * removed on any failure. The temporary root of the flatten lies in the same directory.
 */
async function exportToFile(image: Image, file: string, signal: AbortSignal): Promise<void> {
  const dir = dirname(resolve(file));
  const tmp = join(dir, `.ocikit-export-${randomBytes(8).toString('hex')}`);
  const handle: FileHandle = await open(tmp, 'wx', 0o666);
  try {
    await pipeline(exportFilesystem(image, { tempDir: dir, signal }), handle.createWriteStream(), { signal });
    await rename(tmp, file);
  } catch (err) {
    await handle.close().catch(() => {});
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Runs `fn` with a signal aborted by SIGINT or SIGTERM, so an interrupted export still removes its
 * temporary file and temporary root before the process exits (with ABORTED).
 */
async function interruptible<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  try {
    return await fn(controller.signal);
  } catch (err) {
    throw toOciError(err);
  } finally {
    process.off('SIGINT', abort);
    process.off('SIGTERM', abort);
  }
}

/** Registers `export`. */
export function exportCommand() {
  return new Command('export')
    .description('write the flattened filesystem of an image as one tar ("-" for stdout)')
    .argument('<image>', 'image name')
    .argument('<file>', 'output tar file')
    .option('--platform <os/arch[/variant]>', 'the image to pick from an index')
    .action(async (name, file, options, command) =>
      withSource(name, command, async (source) => {
        const image = await openImage(source, { platform: options.platform });
        return interruptible((signal) =>
          file === '-'
            ? pipeline(exportFilesystem(image, { signal }), process.stdout, { signal })
            : exportToFile(image, file, signal),
        );
      }),
    );
}
