/**
 * `ocikit build [CONTEXT] [-f FILE|-] -t DST ...`: a Dockerfile built without a daemon (one library
 * call, src/build). Prints `DST@sha256:…` for each destination (the digest alone without one);
 * progress on stderr as plain lines or JSON lines.
 */
import { writeFile } from 'node:fs/promises';
import { Command, Option } from '@commander-js/extra-typings';
import type { BuildEvent } from '../../build/index.ts';
import { transportOptions } from '../context.ts';
import { log, writeLine } from '../output.ts';
import { UsageError } from '../run.ts';
import { commandSignal } from '../signal.ts';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** `K=V` pairs into a record; a `--build-arg K` without `=` takes K from the environment, as Docker does. */
function pairs(entries: string[] | undefined, flag: string, fromEnv: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of entries ?? []) {
    const at = entry.indexOf('=');
    if (at === -1 && fromEnv && entry !== '') {
      const value = process.env[entry];
      if (value !== undefined) out[entry] = value;
      continue;
    }
    if (at <= 0) throw new UsageError(`${flag} takes KEY=VALUE, got ${JSON.stringify(entry)}`);
    out[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return out;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Renders build events on stderr: `#N [stage] STEP`, then `#N CACHED` or `#N DONE 0.1s`; or JSON lines. */
function renderer(mode: 'auto' | 'plain' | 'json') {
  return (event: BuildEvent): void => {
    if (mode === 'json') {
      const { kind: type, ...rest } = event;
      process.stderr.write(`${JSON.stringify({ event: type, ...rest })}\n`);
      return;
    }
    if (event.kind === 'warning')
      log(`WARNING: ${event.line !== undefined ? `line ${event.line}: ` : ''}${event.message}`);
    if (event.kind !== 'step') return;
    const stage = `${event.stage} ${event.index}/${event.total}`;
    const where = event.platform === undefined ? stage : `${event.platform} ${stage}`;
    if (event.status === 'started') log(`#${event.id} [${where}] ${event.text}`);
    else if (event.cached) log(`#${event.id} CACHED`);
    else log(`#${event.id} DONE ${((event.ms ?? 0) / 1000).toFixed(1)}s`);
  };
}

/** Registers `build`. */
export function buildCommand() {
  return new Command('build')
    .description('build an image from a Dockerfile, without a daemon')
    .argument('[context]', 'the build context directory', '.')
    .option('-f, --file <path>', 'the Dockerfile (default CONTEXT/Dockerfile; - reads it from stdin)')
    .option('-t, --tag <destination>', 'where to write the image (repeatable; any transport)', collect)
    .option('--build-arg <KEY=VALUE>', 'a build argument (repeatable)', collect)
    .option('--target <stage>', 'the stage to build (default: the last)')
    .option('--platform <os/arch[,...]>', 'target platform(s); several make an index (repeatable)', collect)
    .option('--label <KEY=VALUE>', 'set a label on the image (repeatable)', collect)
    .option('--no-cache', 'build every step anew')
    .option('--cache-dir <dir>', 'the local cache layout (default $XDG_CACHE_HOME/ocikit/build)')
    .option('--cache-repo <repository>', 'a registry repository shared as a build cache')
    .option('--timestamp <seconds|now>', 'file times and created time (default SOURCE_DATE_EPOCH, else 0)')
    .option('--iidfile <file>', 'write the image (or index) digest to this file')
    .addOption(
      new Option('--progress <mode>', 'progress output on stderr')
        .choices(['auto', 'plain', 'json'] as const)
        .default('auto' as const),
    )
    .action(async (context, options, command) => {
      const { build, parseTimestamp } = await import('../../build/index.ts');
      const { pinned } = await import('../../transports/index.ts');
      let timestamp: ReturnType<typeof parseTimestamp> | undefined;
      if (options.timestamp !== undefined) {
        try {
          timestamp = parseTimestamp(options.timestamp);
        } catch (err) {
          throw new UsageError(`--timestamp: ${(err as Error).message}`);
        }
      }
      const platforms = (options.platform ?? []).flatMap((p) => p.split(',')).filter((p) => p !== '');
      const render = renderer(options.progress);
      const tags = options.tag ?? [];
      const result = await build({
        context,
        ...(options.file === '-'
          ? { dockerfileText: await readStdin() }
          : options.file !== undefined
            ? { dockerfile: options.file }
            : {}),
        tags,
        buildArgs: pairs(options.buildArg, '--build-arg', true),
        ...(options.target !== undefined ? { target: options.target } : {}),
        ...(platforms.length > 0 ? { platforms } : {}),
        labels: pairs(options.label, '--label', false),
        noCache: options.cache === false,
        ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}),
        ...(options.cacheRepo !== undefined ? { cacheRepo: options.cacheRepo } : {}),
        ...(timestamp !== undefined ? { timestamp } : {}),
        transport: transportOptions(command),
        onProgress: render,
        signal: commandSignal(),
      });
      if (options.iidfile !== undefined) await writeFile(options.iidfile, result.digest);
      if (tags.length === 0) await writeLine(result.digest);
      for (const tag of tags) await writeLine(await pinned(tag, result.digest));
    });
}
