/** Opening image sources and sinks for commands, with the global options, always closing them. */
import type { ImageSink, ImageSource } from '../image/types.ts';
import type { TransportOptions } from '../transports/index.ts';

/** The options every command inherits from the program. */
export interface GlobalOptions {
  insecure?: boolean;
}

/** Transport options from the global flags of the command line. */
export function transportOptions(command: { optsWithGlobals(): object }): TransportOptions {
  const globals = command.optsWithGlobals() as GlobalOptions;
  return { insecure: globals.insecure === true };
}

/** Opens `name` as a source, runs `fn`, and closes the source whatever happens. */
export async function withSource<T>(
  name: string,
  command: { optsWithGlobals(): object },
  fn: (source: ImageSource) => Promise<T>,
): Promise<T> {
  const { openSource } = await import('../transports/index.ts');
  const source = await openSource(name, transportOptions(command));
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
  const sink = await openSink(name, transportOptions(command));
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
