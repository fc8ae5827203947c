/** `ocikit tag IMAGE TAG`: give the image (or whole index) another tag in the same place. */
import { Command } from '@commander-js/extra-typings';
import { copyImage } from '../../copy/index.ts';
import { retag } from '../../transports/index.ts';
import { printWritten, withSink, withSource } from '../context.ts';

/** Registers `tag`. */
export function tagCommand() {
  return new Command('tag')
    .description('add a tag to an image in its layout or repository')
    .argument('<image>', 'image name, e.g. oci:./layout:v1 or localhost:5000/app:v1')
    .argument('<tag>', 'the new tag')
    .action(async (name, tag, _options, command) =>
      withSource(name, command, async (source) =>
        withSink(await retag(name, tag), command, async (sink) => {
          const result = await copyImage(source, sink, { allPlatforms: true });
          await printWritten(await retag(name, tag), result.digest);
        }),
      ),
    );
}
