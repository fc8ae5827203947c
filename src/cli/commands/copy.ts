/** `ocikit copy SRC DST [--platform P | --all-platforms] [--format F] [--compression C] [--jobs N]`. */
import { Command, Option } from '@commander-js/extra-typings';
import { copyImage, DEFAULT_COPY_JOBS } from '../../copy/index.ts';
import { printWritten, withSink, withSource } from '../context.ts';
import { createProgress } from '../progress.ts';
import { parseBoolFlag } from '../registry-flags.ts';
import { UsageError } from '../run.ts';
import { commandSignal } from '../signal.ts';

/** Registers `copy`. */
export function copyCommand() {
  return (
    new Command('copy')
      .description('copy an image between any two transports, converting when asked')
      .argument(
        '<source>',
        'image to read, e.g. oci:./layout:tag, docker-archive:app.tar, localhost:5000/app:1',
      )
      .argument('<destination>', 'where to write it')
      .option('--platform <os/arch[/variant]>', 'copy only the image for this platform from an index')
      .option('--all-platforms', 'copy a whole index, every platform')
      .addOption(
        new Option('--format <format>', 'convert manifests to this format').choices([
          'oci',
          'docker',
        ] as const),
      )
      .addOption(
        new Option('--compression <kind>', 're-compress layers').choices(['gzip', 'zstd', 'none'] as const),
      )
      .option(
        '--jobs <n>',
        'blob transfers in flight at once',
        (v) => parsePositive(v, '--jobs'),
        DEFAULT_COPY_JOBS,
      )
      .option('--json', 'progress as JSON lines on stderr')
      .option('-q, --quiet', 'no progress output')
      // Registry flags for one side (skopeo's); each wins over its global flag on that side.
      .option('--src-creds <user[:password]>', 'credentials for the source registry')
      .option('--dest-creds <user[:password]>', 'credentials for the destination registry')
      .option('--src-registry-token <token>', 'a bearer token for the source registry')
      .option('--dest-registry-token <token>', 'a bearer token for the destination registry')
      .option('--src-authfile <file>', 'the auth file for the source registry')
      .option('--dest-authfile <file>', 'the auth file for the destination registry')
      .option(
        '--src-tls-verify [bool]',
        'TLS verification for the source registry',
        parseBoolFlag('--src-tls-verify'),
      )
      .option(
        '--dest-tls-verify [bool]',
        'TLS verification for the destination registry',
        parseBoolFlag('--dest-tls-verify'),
      )
      .option('--src-cert-dir <dir>', 'CA certificates and client pairs for the source registry')
      .option('--dest-cert-dir <dir>', 'CA certificates and client pairs for the destination registry')
      .action(async (src, dst, options, command) => {
        if (options.platform && options.allPlatforms)
          throw new UsageError('--platform and --all-platforms exclude each other');
        const progress = await createProgress({ json: options.json, quiet: options.quiet });
        const signal = commandSignal();
        try {
          await withSource(src, command, (source) =>
            withSink(dst, command, async (sink) => {
              const result = await copyImage(source, sink, {
                platform: options.platform,
                allPlatforms: options.allPlatforms === true,
                format: options.format,
                compression: options.compression,
                jobs: options.jobs,
                signal,
                onProgress: (e) => progress.onProgress(e),
              });
              await printWritten(dst, result.digest);
            }),
          );
        } finally {
          progress.done();
        }
      })
  );
}

/** Parses a positive integer option value. */
function parsePositive(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${flag} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}
