/**
 * `ocikit append IMAGE [DIR...] [-f LAYER.tar[.gz]...] -t DST`: each directory, then each tarball,
 * becomes one layer on top of the image.
 */
import { Command, Option } from '@commander-js/extra-typings';
import { copyImage } from '../../copy/index.ts';
import { openImage } from '../../image/image.ts';
import { appendLayers, layerFromDirectory, type SpooledAppendedLayer } from '../../mutate/index.ts';
import { DOCKER } from '../../spec/index.ts';
import { printWritten, withSink, withSource } from '../context.ts';
import { log } from '../output.ts';
import { UsageError } from '../run.ts';
import { commandSignal } from '../signal.ts';

/** Registers `append`. */
export function appendCommand() {
  return new Command('append')
    .description('add one layer per directory on top of an image and write the result')
    .argument('<image>', 'base image name')
    .argument('[dirs...]', 'directories, each becomes one layer')
    .option(
      '-f, --file <tarball>',
      'a layer tarball (.tar, .tar.gz, .tar.zst), added after the directories (repeatable)',
      (v: string, previous: string[] = []) => [...previous, v],
    )
    .requiredOption('-t, --tag <destination>', 'where to write the new image')
    .option('--platform <os/arch[/variant]>', 'the image to pick from an index')
    .addOption(
      new Option('--compression <kind>', 'layer compression')
        .choices(['gzip', 'zstd', 'none'] as const)
        .default('gzip' as const),
    )
    .option('--timestamp <seconds>', 'clamp file times to this Unix time (default: SOURCE_DATE_EPOCH)')
    .action(async (name, dirs, options, command) => {
      const tarballs = options.file ?? [];
      if (dirs.length === 0 && tarballs.length === 0)
        throw new UsageError('append needs at least one directory or -f LAYER.tar');
      // An interrupted append removes its spooled layers and the blob it was storing.
      const signal = commandSignal();
      await withSource(name, command, async (source) => {
        const base = await openImage(source, { platform: options.platform, signal });
        const docker = base.document.mediaType === DOCKER.manifest;
        const timestamp = options.timestamp === undefined ? undefined : parseTimestamp(options.timestamp);
        const layers: SpooledAppendedLayer[] = [];
        try {
          for (const dir of dirs)
            layers.push(
              await layerFromDirectory(dir, {
                compression: options.compression,
                docker,
                timestamp,
                onWarning: (message) => log(`warning: ${message}`),
                signal,
              }),
            );
          const { layerFromTarball } = await import('./append-tarball.ts');
          for (const file of tarballs)
            layers.push(await layerFromTarball(file, { compression: options.compression, docker, signal }));
          const created =
            timestamp === undefined
              ? undefined
              : new Date(timestamp * 1000).toISOString().replace('.000Z', 'Z');
          const image = await appendLayers(base, layers, { created });
          await withSink(options.tag, command, async (sink) =>
            printWritten(options.tag, (await copyImage(image.source, sink, { signal })).digest),
          );
        } finally {
          await Promise.all(layers.map((l) => l.dispose()));
        }
      });
    });
}

/** Parses `--timestamp`: whole seconds since the Unix epoch, within the range dates can express. */
function parseTimestamp(value: string): number {
  const seconds = Number(value);
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(seconds) || seconds > 8.64e12) {
    throw new UsageError(
      `--timestamp takes whole seconds since the Unix epoch, got ${JSON.stringify(value)}`,
    );
  }
  return seconds;
}
