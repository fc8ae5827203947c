/** `ocikit export IMAGE FILE.tar|- [--platform P]`: the flattened filesystem as one tar. */
import { Command } from '@commander-js/extra-typings';
import { openImage } from '../../image/image.ts';
import { exportFilesystem } from '../../mutate/index.ts';
import { binaryTarget, writeBinary } from '../binary-output.ts';
import { withSource } from '../context.ts';
import { UsageError } from '../run.ts';
import { commandSignal } from '../signal.ts';

/**
 * The output named by the FILE argument or `-o`, exactly one of them. `-` as the argument means
 * stdout (refused on a terminal); `-o -` asks for stdout even there.
 */
function exportTarget(file: string | undefined, output: string | undefined) {
  if (file !== undefined && output !== undefined)
    throw new UsageError('name the output once: FILE or -o FILE');
  if (file === undefined && output === undefined) throw new UsageError('name the output: FILE, - or -o FILE');
  return binaryTarget(file === '-' ? undefined : (output ?? file));
}

/** Registers `export`. */
export function exportCommand() {
  return new Command('export')
    .description('write the flattened filesystem of an image as one tar ("-" for stdout)')
    .argument('<image>', 'image name')
    .argument('[file]', 'output tar file, or - for stdout (not a terminal)')
    .option('-o, --output <file>', 'output tar file; - for stdout, even a terminal')
    .option('--platform <os/arch[/variant]>', 'the image to pick from an index')
    .action(async (name, file, options, command) => {
      const target = exportTarget(file, options.output);
      const signal = commandSignal();
      await withSource(name, command, async (source) => {
        const image = await openImage(source, { platform: options.platform, signal });
        // The temporary root of the flatten lies beside the output file (or in the temp directory).
        await writeBinary(target, (tempDir) => exportFilesystem(image, { tempDir, signal }), signal);
      });
    });
}
