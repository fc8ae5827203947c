/**
 * `ocikit sync SRC DST` (skopeo sync): every image of a repository, of a registry's catalog, or of
 * a YAML file's selections (`--src yaml`) to a registry (`--dest docker`), skopeo's `dir:` folders
 * (`--dest dir`) or one OCI layout per repository (`--dest oci`). Prints each image written, and
 * with `--keep-going` a summary of the failures at the end (non-zero exit).
 */
import { readFile } from 'node:fs/promises';
import { Command, Option } from '@commander-js/extra-typings';
import { ErrorCode, OciError } from '../../errors/index.ts';
import { transportOptions } from '../context.ts';
import { log, writeLine } from '../output.ts';
import { addSideRegistryOptions } from '../registry-flags.ts';
import { UsageError } from '../run.ts';
import { commandSignal } from '../signal.ts';

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
      'copy every image of a repository, a registry or a YAML list to a registry or to folders (skopeo sync)',
    )
    .argument(
      '<source>',
      'HOST/REPO (every tag), HOST/REPO:TAG, HOST (the whole catalog), or a YAML file with --src yaml',
    )
    .argument('<destination>', 'HOST[/PREFIX] with --dest docker, a folder with --dest dir or oci')
    .addOption(
      new Option('-s, --src <transport>', 'what SOURCE is')
        .choices(['docker', 'yaml'] as const)
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
    .option('-q, --quiet', 'no per-image lines on stderr')
    .action(async (src, dst, options, command) => {
      const sync = await import('../../copy/sync/index.ts');
      const { openRegistryClient } = await import('../../transports/registry/index.ts');
      const { openSink, openSource, pinned } = await import('../../transports/index.ts');
      const signal = commandSignal();
      const target = { kind: options.dest, destination: dst, scoped: options.scoped === true };
      if (options.dest !== 'docker' && /^docker:\/\//.test(dst))
        throw new UsageError(`--dest ${options.dest} takes a folder, not ${dst}`);
      const sourceOptions = transportOptions(command, 'src');
      const items =
        options.src === 'yaml'
          ? await sync.planYamlSource(
              sync.parseSyncYaml(await readYaml(src), src),
              target,
              sourceOptions,
              openRegistryClient,
              signal,
            )
          : await sync.planRegistrySource(src, target, sourceOptions, openRegistryClient, signal);
      const openers = await sync.sharedOpeners({ openSource, openSink });
      const outcomes = await sync
        .runSync(items, openers, {
          destinationOptions: transportOptions(command, 'dest'),
          allPlatforms: options.all === true,
          dryRun: options.dryRun === true,
          keepGoing: options.keepGoing === true,
          ...(options.images !== undefined ? { images: options.images } : {}),
          ...(options.jobs !== undefined ? { jobs: options.jobs } : {}),
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
