/** `ocikit unpack IMAGE BUNDLE [--platform P] [--rootless]`: a rootfs and config.json that runc runs. */
import { Command } from '@commander-js/extra-typings';
import { unpackBundle } from '../../bundle/index.ts';
import { openImage } from '../../image/image.ts';
import { pinnedSource } from '../../trust/policy/pinned-source.ts';
import { transportOptions, withSource } from '../context.ts';
import { widenFullCollections } from '../memory-budget.ts';
import { log } from '../output.ts';
import { commandSignal } from '../signal.ts';
import { enforceImagePolicy } from '../trust-policy.ts';

/** Registers `unpack`. */
export function unpackCommand() {
  return new Command('unpack')
    .description('unpack an image into an OCI runtime bundle (rootfs/ and config.json)')
    .argument('<image>', 'image name')
    .argument('<bundle>', 'bundle directory (created; must be empty)')
    .option('--platform <os/arch[/variant]>', 'the image to pick from an index')
    .option('--rootless', 'unpack without privileges; ownership is recorded, not applied')
    .option(
      '--policy <file>',
      'the trust policy (default: ~/.config/containers/policy.json, /etc/containers/policy.json)',
    )
    .option('--insecure-policy', 'do not check the image against any trust policy')
    .option('--registries.d <dir>', 'the registries.d folder saying where signatures are stored')
    .action(async (name, bundle, options, command) => {
      // An unpack compresses nothing: its chunks die young (memory-budget.ts).
      widenFullCollections();
      // An interrupted unpack removes the bundle it created (or empties the one it was given).
      const signal = commandSignal();
      await withSource(name, command, async (source) => {
        const top = await source.resolve({ signal });
        const trust = { ...options, registriesD: options['registries.d'] };
        await enforceImagePolicy(name, top.digest, trust, { ...transportOptions(command, 'src'), signal });
        // The image unpacked is the one the policy checked, however the tag moves meanwhile.
        const image = await openImage(pinnedSource(source, top), { platform: options.platform, signal });
        await unpackBundle(image, bundle, {
          rootless: options.rootless === true,
          signal,
          onLayer: (i, n) => log(`applied layer ${i}/${n}`),
          onWarning: (message) => log(`warning: ${message}`),
        });
      });
    });
}
