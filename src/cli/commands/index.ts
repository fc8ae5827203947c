/**
 * `ocikit index create|append|remove|filter` (crane index): build an index from images, add or
 * remove children, keep only some platforms; the result goes to any destination.
 */
import { Command } from '@commander-js/extra-typings';
import { copyImage } from '../../copy/index.ts';
import { parseDigest } from '../../digest/index.ts';
import { ErrorCode, OciError } from '../../errors/index.ts';
import { openTop } from '../../image/image.ts';
import type { Image, ImageSource, Index } from '../../image/types.ts';
import {
  appendToIndex,
  createIndex,
  filterIndex,
  type IndexEditOptions,
  removeFromIndex,
} from '../../mutate/index-edit.ts';
import { printWritten, withSink, withSource } from '../context.ts';
import { parseKeyValues } from '../key-values.ts';
import { UsageError } from '../run.ts';
import { commandSignal } from '../signal.ts';

type Ctx = { optsWithGlobals(): object };

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
const platformList = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value.split(',').filter((p) => p !== ''),
];

/** Opens every name as a source (each closed at the end), then runs `fn` with them all. */
async function withSources<T>(
  names: string[],
  command: Ctx,
  fn: (sources: ImageSource[]) => Promise<T>,
): Promise<T> {
  const open = async (i: number, sources: ImageSource[]): Promise<T> =>
    i === names.length
      ? fn(sources)
      : withSource(names[i] as string, command, (source) => open(i + 1, [...sources, source]));
  return open(0, []);
}

async function openIndex(source: ImageSource, signal: AbortSignal): Promise<Index> {
  const top = await openTop(source, { signal });
  if (top.kind !== 'index') {
    throw new OciError(ErrorCode.INVALID_ARGUMENT, `${source.name} is an image, not an index`, {
      data: { name: source.name },
    });
  }
  return top;
}

async function write(node: Index, destination: string, command: Ctx, signal: AbortSignal): Promise<void> {
  await withSink(destination, command, async (sink) =>
    printWritten(destination, (await copyImage(node.source, sink, { allPlatforms: true, signal })).digest),
  );
}

/** Edits an existing index named `name` with `edit`, then writes the result to `destination`. */
async function editIndex(
  name: string,
  images: string[],
  destination: string,
  command: Ctx,
  edit: (index: Index, nodes: Array<Image | Index>, signal: AbortSignal) => Promise<Index>,
): Promise<void> {
  const signal = commandSignal();
  await withSources([name, ...images], command, async ([source, ...others]) => {
    const index = await openIndex(source as ImageSource, signal);
    const nodes = await Promise.all(others.map((s) => openTop(s, { signal })));
    await write(await edit(index, nodes, signal), destination, command, signal);
  });
}

function editOptions(options: { annotation?: string[] }, signal: AbortSignal): IndexEditOptions {
  return { annotations: parseKeyValues(options.annotation, '--annotation'), signal };
}

/** Registers `index` with its subcommands. */
export function indexCommand() {
  const index = new Command('index').description('build and edit image indexes (multi-platform images)');
  index
    .command('create')
    .description('an index of the given images (each listed with its platform)')
    .requiredOption('-m, --manifest <image>', 'an image or index to list (repeatable, in order)', collect)
    .option('--annotation <KEY=VALUE>', 'an annotation of the index (repeatable)', collect)
    .requiredOption('-t, --tag <destination>', 'where to write the index')
    .action(async (options, command) => {
      const signal = commandSignal();
      await withSources(options.manifest, command, async (sources) => {
        const nodes = await Promise.all(sources.map((s) => openTop(s, { signal })));
        await write(await createIndex(nodes, editOptions(options, signal)), options.tag, command, signal);
      });
    });
  index
    .command('append')
    .description('an index with the given images added after its children')
    .argument('<index>', 'the index to start from')
    .requiredOption('-m, --manifest <image>', 'an image or index to add (repeatable, in order)', collect)
    .option('--annotation <KEY=VALUE>', 'an annotation of the index (repeatable)', collect)
    .requiredOption('-t, --tag <destination>', 'where to write the index')
    .action((name, options, command) =>
      editIndex(name, options.manifest, options.tag, command, (idx, nodes, signal) =>
        appendToIndex(idx, nodes, editOptions(options, signal)),
      ),
    );
  index
    .command('remove')
    .description('an index without the children named by digest or platform')
    .argument('<index>', 'the index to start from')
    .option('--digest <digest>', 'remove the child with this digest (repeatable)', collect)
    .option('--platform <os/arch[/variant],...>', 'remove the children for these platforms', platformList)
    .option('--annotation <KEY=VALUE>', 'an annotation of the index (repeatable)', collect)
    .requiredOption('-t, --tag <destination>', 'where to write the index')
    .action((name, options, command) => {
      if (options.digest === undefined && options.platform === undefined)
        throw new UsageError('index remove needs --digest or --platform');
      for (const digest of options.digest ?? []) parseDigest(digest);
      return editIndex(name, [], options.tag, command, async (idx, _nodes, signal) =>
        removeFromIndex(
          idx,
          { digests: options.digest, platforms: options.platform },
          editOptions(options, signal),
        ),
      );
    });
  index
    .command('filter')
    .description('an index with only the children for the given platforms')
    .argument('<index>', 'the index to start from')
    .requiredOption(
      '--platform <os/arch[/variant],...>',
      'the platforms to keep (repeatable, or comma-separated)',
      platformList,
    )
    .option('--annotation <KEY=VALUE>', 'an annotation of the index (repeatable)', collect)
    .requiredOption('-t, --tag <destination>', 'where to write the index')
    .action((name, options, command) =>
      editIndex(name, [], options.tag, command, async (idx, _nodes, signal) =>
        filterIndex(idx, options.platform, editOptions(options, signal)),
      ),
    );
  return index;
}
