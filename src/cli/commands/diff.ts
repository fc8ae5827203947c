/** `ocikit diff IMAGE IMAGE [--platform P] [--json]`: what changed, file by file. */
import { Command } from '@commander-js/extra-typings';
import { openImage } from '../../image/image.ts';
import { diffImages } from '../../mutate/index.ts';
import { withSource } from '../context.ts';
import { writeJson, writeLine } from '../output.ts';
import { commandSignal } from '../signal.ts';

/** Registers `diff`. */
export function diffCommand() {
  return new Command('diff')
    .description('list the files added (A), deleted (D) and modified (M) from the first image to the second')
    .argument('<before>', 'image name')
    .argument('<after>', 'image name')
    .option('--platform <os/arch[/variant]>', 'the image to pick from indexes')
    .option('--json', 'print JSON')
    .action(async (before, after, options, command) => {
      // An interrupted diff removes the temporary root it was flattening into.
      const signal = commandSignal();
      await withSource(before, command, (a) =>
        withSource(after, command, async (b) => {
          const changes = await diffImages(
            await openImage(a, { platform: options.platform, signal }),
            await openImage(b, { platform: options.platform, signal }),
            { signal },
          );
          if (options.json) return writeJson(changes);
          for (const c of changes)
            await writeLine(`${c.change} /${c.path}${c.fields ? `  (${c.fields.join(', ')})` : ''}`);
        }),
      );
    });
}
