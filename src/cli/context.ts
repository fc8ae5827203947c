/** Opening image sources and sinks for commands, with the global options, always closing them. */
import type { ImageSink, ImageSource } from '../image/types.ts';
import type { TransportOptions } from '../transports/index.ts';
import { noteAssumedTag } from './assumed-tag.ts';
import { terminalSafe } from './output.ts';
import { type RegistryFlags, registryOptions, type Side } from './registry-flags.ts';

/** The options every command inherits from the program (the registry flags). */
export type GlobalOptions = RegistryFlags;

/**
 * Transport options from the registry flags of the command line (credentials, auth file, TLS);
 * for one `side` of a copy, its `--src-*` or `--dest-*` flags win over the global ones. `read`
 * as in {@link registryOptions}.
 */
export function transportOptions(
  command: { optsWithGlobals(): object },
  side?: Side,
  read: { credentials?: boolean } = {},
): TransportOptions {
  const flags = command.optsWithGlobals() as RegistryFlags & { registriesConf?: string; quiet?: boolean };
  return {
    ...registryOptions(flags, side, read),
    ...(flags.registriesConf !== undefined ? { registriesConf: flags.registriesConf } : {}),
    onPullEndpoint: (event) => {
      if (flags.quiet === true) return;
      const where = event.mirror ? `mirror ${event.endpoint}` : event.endpoint;
      process.stderr.write(`ocikit: ${terminalSafe(`pulling ${event.requested} from ${where}`)}\n`);
    },
  };
}

/**
 * Opens `name` as a source with the `side`'s registry options (`src` unless it reads back what a
 * command wrote to its destination), runs `fn`, and closes the source whatever happens.
 */
export async function withSource<T>(
  name: string,
  command: { optsWithGlobals(): object },
  fn: (source: ImageSource) => Promise<T>,
  side: 'src' | 'dest' = 'src',
): Promise<T> {
  const { openSource } = await import('../transports/index.ts');
  await noteAssumedTag(name, command);
  const source = await openSource(name, transportOptions(command, side));
  try {
    return await fn(source);
  } finally {
    await source.close();
  }
}

/** Opens `name` as a sink, runs `fn`, and closes the sink whatever happens. */
export async function withSink<T>(
  name: string,
  command: { optsWithGlobals(): object },
  fn: (sink: ImageSink) => Promise<T>,
): Promise<T> {
  const { openSink } = await import('../transports/index.ts');
  await noteAssumedTag(name, command);
  const sink = await openSink(name, transportOptions(command, 'dest'));
  try {
    return await fn(sink);
  } finally {
    await sink.close();
  }
}

/** Prints what a write produced, pinned by digest (`REF@sha256:…`), on stdout. */
export async function printWritten(destination: string, digest: string): Promise<void> {
  const { pinned } = await import('../transports/index.ts');
  const { writeLine } = await import('./output.ts');
  await writeLine(await pinned(destination, digest));
}
