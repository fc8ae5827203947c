/** `ocikit copy SRC DST [--platform P | --all-platforms] [--format F] [--compression C] [--jobs N]`. */
import { Command, Option } from '@commander-js/extra-typings';
import { copyImage, DEFAULT_COPY_JOBS } from '../../copy/index.ts';
import { pinnedSource } from '../../trust/policy/pinned-source.ts';
import { printWritten, transportOptions, withSink, withSource } from '../context.ts';
import { widenFullCollections } from '../memory-budget.ts';
import { createProgress } from '../progress.ts';
import { addSideRegistryOptions } from '../registry-flags.ts';
import { UsageError } from '../run.ts';
import { commandSignal } from '../signal.ts';
import {
  checkSigning,
  enforceImagePolicy,
  prepareSigstoreSigning,
  signDestination,
  startCarryAlong,
} from '../trust-policy.ts';
import * as flags from './copy-flags.ts';

/** Registers `copy`. */
export function copyCommand() {
  return addSideRegistryOptions(new Command('copy'))
    .description('copy an image between any two transports, converting when asked')
    .argument(
      '<source>',
      'image to read, e.g. oci:./layout:tag, docker-archive:app.tar, localhost:5000/app:1',
    )
    .argument('<destination>', 'where to write it')
    .option('--platform <os/arch[/variant]>', 'copy only the image for this platform from an index')
    .option('--all-platforms', 'copy a whole index, every platform')
    .addOption(
      new Option('--format <format>', 'convert manifests to this format').choices(['oci', 'docker'] as const),
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
    .option('--sign-by <fingerprint>', 'sign the destination with this GPG key (GNUPGHOME keyring)')
    .option(
      '--sign-passphrase-file <file>',
      'the passphrase of the signing key (--sign-by or --sign-by-sigstore-private-key): the first line of this file',
    )
    .option(
      '--sign-by-sigstore-private-key <file>',
      'sign the destination with this cosign key (a .sig attachment; password from --sign-passphrase-file or COSIGN_PASSWORD)',
    )
    .option(
      '--policy <file>',
      'the trust policy (default: ~/.config/containers/policy.json, /etc/containers/policy.json)',
    )
    .option('--insecure-policy', 'do not check the source against any trust policy')
    .option('--remove-signatures', "do not copy the source's signatures and referrers")
    .option('--referrers', 'also copy the referrers of referrers, recursively, and large attachments')
    .option('--registries.d <dir>', 'the registries.d folder saying where signatures are stored')
    .option('--digestfile <file>', 'write the digest of what was written to this file')
    .option(
      '--additional-tag <tag>',
      'also tag the image with this tag at the destination (repeatable)',
      (v: string, previous: string[] = []) => [...previous, v],
    )
    .option(
      '--retry-times <n>',
      'retry a copy that failed on a transient fault this many times',
      flags.parseRetryTimes,
    )
    .option(
      '--retry-delay <duration>',
      'wait this long before each retry (default 1s, doubling)',
      (v: string) => flags.parseDuration(v),
    )
    .option('--preserve-digests', 'fail rather than convert anything that would change a digest')
    .action(async (src, dst, options, command) => {
      if (options.platform && options.allPlatforms)
        throw new UsageError('--platform and --all-platforms exclude each other');
      // Without re-compression no chunk comes from a gzip worker: most die young.
      if (options.compression === undefined || options.compression === 'none') widenFullCollections();
      const progress = await createProgress({ json: options.json, quiet: options.quiet });
      const signal = commandSignal();
      const extraTags = options.additionalTag ?? [];
      const passphrase = await flags.readPassphraseFile(options.signPassphraseFile, options);
      flags.checkAdditionalTags(dst, extraTags);
      // Once the image is written, a failure (signing, tagging) is reported, not retried.
      let written = false;
      try {
        await flags.withRetries(
          options.retryTimes ?? 0,
          options.retryDelay,
          () =>
            withSource(src, command, (source) =>
              withSink(dst, command, async (sink) => {
                const trust = { ...options, registriesD: options['registries.d'] };
                if (options.signBy !== undefined) await checkSigning(dst, options.signBy, passphrase);
                const sigstoreSign =
                  options.signBySigstorePrivateKey === undefined
                    ? undefined
                    : await prepareSigstoreSigning(dst, options.signBySigstorePrivateKey, passphrase);
                const top = await source.resolve({ signal });
                if (options.preserveDigests === true)
                  await flags.checkPreservedDigests(
                    source,
                    await source.manifest(top, { signal }),
                    dst,
                    options,
                  );
                await enforceImagePolicy(src, top.digest, trust, {
                  ...transportOptions(command, 'src'),
                  signal,
                });
                // The signature lookups at the source run while the image is copied.
                const carrying =
                  options.removeSignatures !== true || options.referrers === true
                    ? startCarryAlong(src, dst, top.digest, trust, {
                        source: transportOptions(command, 'src'),
                        destination: transportOptions(command, 'dest'),
                        signal,
                        allReferrers: options.referrers === true,
                        removeSignatures: options.removeSignatures === true,
                      })
                    : undefined;
                let result: Awaited<ReturnType<typeof copyImage>>;
                try {
                  // The image copied is the one the policy checked, however the tag moves meanwhile.
                  result = await copyImage(pinnedSource(source, top), sink, {
                    platform: options.platform,
                    allPlatforms: options.allPlatforms === true,
                    format: options.format,
                    compression: options.compression,
                    jobs: options.jobs,
                    signal,
                    onProgress: (e) => progress.onProgress(e),
                  });
                  written = true;
                  if (options.removeSignatures !== true) {
                    const { carryDirSignatures } = await import('../../transports/dir/index.ts');
                    await carryDirSignatures(source, sink, top.digest, result.document);
                  }
                  await carrying?.finish(result.digest);
                } finally {
                  await carrying?.cancel();
                }
                if (options.signBy !== undefined)
                  await signDestination(dst, result.digest, options.signBy, trust, passphrase);
                await sigstoreSign?.(result.digest, { ...transportOptions(command, 'dest'), signal });
                for (const tag of extraTags) {
                  const { pinned } = await import('../../transports/index.ts');
                  const tagged = await flags.additionalTagName(dst, tag);
                  // The image just written is read back from the destination, with its credentials.
                  await withSource(
                    await pinned(dst, result.digest),
                    command,
                    (stored) =>
                      withSink(tagged, command, (extra) =>
                        copyImage(stored, extra, { allPlatforms: true, signal }),
                      ),
                    'dest',
                  );
                }
                if (options.digestfile !== undefined)
                  await flags.writeDigestFile(options.digestfile, result.digest);
                await printWritten(dst, result.digest);
              }),
            ),
          signal,
          () => !written,
        );
      } finally {
        progress.done();
      }
    });
}

/** Parses a positive integer option value. */
function parsePositive(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${flag} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}
