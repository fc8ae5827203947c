/**
 * `ocikit sync SRC DST` (skopeo sync): every image of a repository, of a registry's catalog, of
 * a YAML file's selections (`--src yaml`) or of a folder of image folders (`--src dir`) to a
 * registry (`--dest docker`), skopeo's `dir:` folders (`--dest dir`) or one OCI layout per
 * repository (`--dest oci`), converting (`--format`), carrying the source's signatures and
 * signing (`--sign-by` with `--sign-passphrase-file`, `--sign-by-sigstore-private-key`) and
 * retrying each image (`--retry-times`, `--retry-delay`) as `copy` does. Prints each image
 * written, and with `--keep-going` a summary of the failures at the end (non-zero exit).
 */
import { readFile } from 'node:fs/promises';
import { Command, Option } from '@commander-js/extra-typings';
import type { SyncFinish, SyncItem } from '../../copy/sync/index.ts';
import { ErrorCode, OciError } from '../../errors/index.ts';
import type { ImageSource } from '../../image/types.ts';
import type { Descriptor } from '../../spec/types.ts';
import type { TransportOptions } from '../../transports/index.ts';
import { transportOptions } from '../context.ts';
import { widenFullCollections } from '../memory-budget.ts';
import { log, writeLine } from '../output.ts';
import { addSideRegistryOptions } from '../registry-flags.ts';
import { UsageError } from '../run.ts';
import { commandSignal } from '../signal.ts';
import { parseDuration, parseRetryTimes, readPassphraseFile, withRetries } from './copy-flags.ts';

/** Parses a positive integer option value. */
function positive(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new UsageError(`${flag} must be a positive integer, got ${JSON.stringify(value)}`);
    return n;
  };
}

/** Registers `sync`. */
export function syncCommand() {
  return addSideRegistryOptions(new Command('sync'))
    .description(
      'copy every image of a repository, a registry, a YAML list or a folder to a registry or to folders (skopeo sync)',
    )
    .argument(
      '<source>',
      'HOST/REPO (every tag), HOST/REPO:TAG, HOST (the whole catalog), a YAML file with --src yaml, a folder with --src dir',
    )
    .argument('<destination>', 'HOST[/PREFIX] with --dest docker, a folder with --dest dir or oci')
    .addOption(
      new Option(
        '-s, --src <transport>',
        'what SOURCE is: a registry, a YAML file, or a folder of dir: folders and OCI layouts',
      )
        .choices(['docker', 'dir', 'yaml'] as const)
        .default('docker' as const),
    )
    .addOption(
      new Option('-d, --dest <transport>', 'what DESTINATION is: a registry, dir: folders, or OCI layouts')
        .choices(['docker', 'dir', 'oci'] as const)
        .default('docker' as const),
    )
    .option('-a, --all', "copy every platform of an index, not only the host's")
    .option('--scoped', 'name each image at the destination by its whole source name, registry included')
    .option('--dry-run', 'list what would be copied, write nothing')
    .option('--keep-going', 'copy the other images when one fails; report the failures at the end')
    .option('--images <n>', 'images copied at once', positive('--images'))
    .option('--jobs <n>', 'blob transfers in flight per image', positive('--jobs'))
    .addOption(
      new Option(
        '-f, --format <format>',
        'convert manifests to this format (default: as the source)',
      ).choices(['oci', 'v2s2'] as const),
    )
    .option('--preserve-digests', 'fail an image rather than convert anything that would change its digest')
    .option('--remove-signatures', "do not copy the source's signatures and referrers")
    .option('--sign-by <fingerprint>', 'sign each image written with this GPG key (GNUPGHOME keyring)')
    .option(
      '--sign-passphrase-file <file>',
      'the passphrase of the signing key (--sign-by or --sign-by-sigstore-private-key): the first line of this file',
    )
    .option(
      '--sign-by-sigstore-private-key <file>',
      'sign each image written with this cosign key (a .sig attachment; password from --sign-passphrase-file or COSIGN_PASSWORD)',
    )
    .option('--registries.d <dir>', 'the registries.d folder saying where signatures are stored')
    .option(
      '--policy <file>',
      'the trust policy (default: ~/.config/containers/policy.json, /etc/containers/policy.json)',
    )
    .option('--insecure-policy', 'do not check the sources against any trust policy')
    .option(
      '--retry-times <n>',
      'retry an image copy that failed on a transient fault this many times',
      parseRetryTimes,
    )
    .option(
      '--retry-delay <duration>',
      'wait this long before each retry (default 1s, doubling)',
      (v: string) => parseDuration(v),
    )
    .option('-q, --quiet', 'no per-image lines on stderr')
    .action(async (src, dst, options, command) => {
      // A sync copies without re-compressing: its chunks die young (memory-budget.ts).
      widenFullCollections();
      const sync = await import('../../copy/sync/index.ts');
      const { openSink, openSource, pinned } = await import('../../transports/index.ts');
      const signal = commandSignal();
      const target = { kind: options.dest, destination: dst, scoped: options.scoped === true };
      if (options.dest !== 'docker' && /^docker:\/\//.test(dst))
        throw new UsageError(`--dest ${options.dest} takes a folder, not ${dst}`);
      const passphrase = await readPassphraseFile(options.signPassphraseFile, options);
      const retryTimes = options.retryTimes ?? 0;
      const sourceOptions = transportOptions(command, 'src');
      const destinationOptions = transportOptions(command, 'dest');
      const openers = await sync.sharedOpeners({ openSource, openSink });
      let items: SyncItem[];
      let trust: Awaited<ReturnType<typeof trustSteps>>;
      try {
        items =
          options.src === 'yaml'
            ? await sync.planYamlSource(
                sync.parseSyncYaml(await readYaml(src), src),
                target,
                sourceOptions,
                openers.openLister,
                signal,
              )
            : options.src === 'dir'
              ? await sync.planDirSource(src, target, sourceOptions)
              : await sync.planRegistrySource(src, target, sourceOptions, openers.openLister, signal);
        trust = await trustSteps(items, { ...options, passphrase }, destinationOptions);
      } catch (err) {
        await openers.close();
        throw err;
      }
      const format = options.format === 'v2s2' ? ('docker' as const) : options.format;
      const outcomes = await sync
        .runSync(items, openers, {
          destinationOptions,
          allPlatforms: options.all === true,
          ...(format !== undefined ? { format } : {}),
          // A signed sync writes (and signs) every image again, as skopeo does.
          skipUnchanged: !trust.signs,
          prepare: trust.prepare,
          finish: trust.finish,
          dryRun: options.dryRun === true,
          keepGoing: options.keepGoing === true,
          ...(options.images !== undefined ? { images: options.images } : {}),
          ...(options.jobs !== undefined ? { jobs: options.jobs } : {}),
          ...(retryTimes > 0
            ? {
                retry: (attempt, how) =>
                  withRetries(retryTimes, options.retryDelay, attempt, how.signal, how.retryable),
              }
            : {}),
          signal,
          onOutcome: (o) => {
            if (options.quiet) return;
            if (o.state === 'planned') log(`would copy ${o.item.source} to ${o.item.destination}`);
            else if (o.state === 'skipped') log(`unchanged ${o.item.destination} (${o.digest})`);
            else if (o.state === 'copied') log(`copied ${o.item.source} to ${o.item.destination}`);
          },
        })
        .finally(() => openers.close());
      for (const o of outcomes) {
        if (o.state === 'planned') await writeLine(`${o.item.source} -> ${o.item.destination}`);
        else if (o.state !== 'failed') await writeLine(await pinned(o.item.destination, o.digest));
      }
      const failed = outcomes.filter((o) => o.state === 'failed');
      if (failed.length > 0) {
        for (const f of failed) log(`failed: ${f.item.source}: ${messageOf(f.error)}`);
        throw new OciError(
          ErrorCode.COMMAND_FAILED,
          `sync: ${failed.length} of ${outcomes.length} images failed`,
        );
      }
      if (!options.quiet) {
        const copied = outcomes.filter((o) => o.state === 'copied').length;
        log(`synced ${outcomes.length} images: ${copied} copied, ${outcomes.length - copied} unchanged`);
      }
    });
}

/** A failure's message, with its code when it is an OciError. */
function messageOf(error: unknown): string {
  if (error instanceof OciError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** The text of the YAML file; INVALID_ARGUMENT when it cannot be read. */
async function readYaml(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new OciError(ErrorCode.INVALID_ARGUMENT, `cannot read ${file}: ${(err as Error).message}`);
  }
}

/** The trust flags of `sync`. */
interface TrustFlags {
  format?: 'oci' | 'v2s2';
  preserveDigests?: boolean;
  removeSignatures?: boolean;
  signBy?: string;
  /** The passphrase of the signing key, from `--sign-passphrase-file`. */
  passphrase?: string | undefined;
  signBySigstorePrivateKey?: string;
  'registries.d'?: string;
  policy?: string;
  insecurePolicy?: boolean;
  dryRun?: boolean;
}

/**
 * The per-image steps around each copy, as `copy` takes them: the trust policy and
 * `--preserve-digests` before anything is written; after it, the source's signatures carried
 * (unless `--remove-signatures`) and the destination signed. Signing is checked once, before the
 * first image (a key that cannot sign, or a destination that cannot hold the signature, fails the
 * sync with nothing written).
 */
async function trustSteps(
  items: readonly SyncItem[],
  flags: TrustFlags,
  destinationOptions: TransportOptions,
): Promise<{
  signs: boolean;
  prepare: (item: SyncItem, source: ImageSource, top: Descriptor) => Promise<void>;
  finish: (step: SyncFinish) => Promise<void>;
}> {
  const trust = await import('../trust-policy.ts');
  const { freshTags } = await import('../../copy/sync/index.ts');
  const policy = { ...flags, registriesD: flags['registries.d'] };
  const first = items[0];
  if (flags.signBy !== undefined && first !== undefined && flags.dryRun !== true)
    await trust.checkSigning(first.destination, flags.signBy, flags.passphrase);
  let sigstore: SigstoreSigning | undefined;
  if (flags.signBySigstorePrivateKey !== undefined && first !== undefined && flags.dryRun !== true)
    sigstore = await sigstoreSigning(first.destination, flags.signBySigstorePrivateKey, flags.passphrase);
  const format = flags.format === 'v2s2' ? ('docker' as const) : flags.format;
  const checkPolicy = trust.policyEnforcer(policy);
  return {
    signs: flags.signBy !== undefined || sigstore !== undefined,
    async prepare(item, source, top) {
      if (flags.preserveDigests === true) {
        const { checkPreservedDigests } = await import('./copy-flags.ts');
        await checkPreservedDigests(source, await source.manifest(top), item.destination, {
          ...(format !== undefined ? { format } : {}),
        });
      }
      await checkPolicy(item.source, top.digest, item.sourceOptions);
    },
    async finish({ item, source, sink, sourceDigest, result, signal }) {
      if (flags.removeSignatures !== true) {
        const { carryDirSignatures } = await import('../../transports/dir/index.ts');
        await carryDirSignatures(source, sink, sourceDigest, result.document);
        const sourceTags = freshTags(item.sourceTags);
        await trust.carryAlong(item.source, item.destination, sourceDigest, result.digest, policy, {
          source: item.sourceOptions,
          destination: destinationOptions,
          signal,
          ...(sourceTags !== undefined ? { sourceTags } : {}),
        });
      }
      if (flags.signBy !== undefined)
        await trust.signDestination(item.destination, result.digest, flags.signBy, policy, flags.passphrase);
      await sigstore?.(item.destination, result.digest, { ...destinationOptions, signal });
    },
  };
}

/** Signs one written image with the cosign key opened once for the whole sync. */
type SigstoreSigning = (
  destination: string,
  digest: string,
  options: TransportOptions & { signal?: AbortSignal },
) => Promise<void>;

/**
 * `--sign-by-sigstore-private-key`: the key opened once (its password `password` from
 * `--sign-passphrase-file`, else `COSIGN_PASSWORD`, else asked for), and a step signing each
 * destination in cosign's tag scheme, claiming the destination name with its tag as skopeo does. UNSUPPORTED up front for `dir` destinations.
 */
async function sigstoreSigning(
  sample: string,
  keyPath: string,
  password: string | undefined,
): Promise<SigstoreSigning> {
  const { readKeyFile } = await import('./sign.ts');
  const { keyPassword } = await import('./key.ts');
  const { keySigner, readPrivateKey, signImage } = await import('../../trust/index.ts');
  const { transportOf } = await import('../../transports/index.ts');
  const { parseRegistryReference } = await import('../../transports/registry/index.ts');
  const { formatReference, withDefaultTag } = await import('../../reference/index.ts');
  if (transportOf(sample).label === 'dir')
    throw new OciError(
      ErrorCode.UNSUPPORTED,
      '--sign-by-sigstore-private-key signs registry and oci: images only, not dir: folders',
    );
  const signer = keySigner(
    await readPrivateKey(await readKeyFile(keyPath), password ?? (await keyPassword(false)), keyPath),
  );
  return async (destination, digest, options) => {
    const { label, reference } = transportOf(destination);
    const registry = label === 'registry' || label === 'docker';
    const identity = registry
      ? formatReference(withDefaultTag(parseRegistryReference(reference)))
      : undefined;
    const pinnedName = await (await import('../../transports/index.ts')).pinned(destination, digest);
    const result = await signImage(pinnedName, signer, {
      ...options,
      format: 'tag',
      ...(identity !== undefined ? { identity } : {}),
    });
    log(`signed ${result.digest} with ${keyPath}: ${result.signatures} signature(s) in ${result.tag}`);
  };
}
