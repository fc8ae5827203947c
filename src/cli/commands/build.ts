/**
 * `ocikit build [CONTEXT] [-f FILE|-] -t DST ...`: a Dockerfile built without a daemon (one library
 * call, src/build). Prints `DST@sha256:…` for each destination (the digest alone without one);
 * progress on stderr as plain lines or JSON lines.
 */
import { writeFile } from 'node:fs/promises';
import { Command, Option } from '@commander-js/extra-typings';
import type { BuildEvent, SecretSource } from '../../build/index.ts';
import { transportOptions } from '../context.ts';
import { parseKeyValues } from '../key-values.ts';
import { log, writeLine } from '../output.ts';
import { UsageError } from '../run.ts';
import { commandSignal } from '../signal.ts';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** `--secret id=ID,src=FILE` or `id=ID,env=VAR` (`type=file|env` allowed) into the build's secrets. */
function secrets(entries: string[] | undefined): Record<string, SecretSource> {
  const out: Record<string, SecretSource> = {};
  for (const entry of entries ?? []) {
    const fields = new Map<string, string>();
    for (const field of entry.split(',')) {
      const at = field.indexOf('=');
      if (at <= 0)
        throw new UsageError(`--secret takes id=ID,src=FILE or id=ID,env=VAR, got ${JSON.stringify(entry)}`);
      fields.set(field.slice(0, at).toLowerCase(), field.slice(at + 1));
    }
    const id = fields.get('id');
    const file = fields.get('src') ?? fields.get('source');
    const env = fields.get('env');
    const type = fields.get('type');
    if (id === undefined || id === '') throw new UsageError(`--secret needs an id: ${JSON.stringify(entry)}`);
    if (type !== undefined && type !== 'file' && type !== 'env')
      throw new UsageError(`--secret type is file or env, got ${JSON.stringify(type)}`);
    if ((file === undefined) === (env === undefined))
      throw new UsageError(`--secret ${id}: give one of src=FILE and env=VAR`);
    out[id] = file !== undefined ? { file } : { env: env as string };
  }
  return out;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Renders build events on stderr: `#N [stage] STEP`, the lines a RUN prints as `#N LINE`, then
 * `#N CACHED` or `#N DONE 0.1s`; or JSON lines.
 */
function renderer(mode: 'auto' | 'plain' | 'json') {
  return (event: BuildEvent): void => {
    if (mode === 'json') {
      const { kind: type, ...rest } = event;
      process.stderr.write(`${JSON.stringify({ event: type, ...rest })}\n`);
      return;
    }
    if (event.kind === 'warning')
      log(`WARNING: ${event.line !== undefined ? `line ${event.line}: ` : ''}${event.message}`);
    if (event.kind === 'output') log(`#${event.id} ${event.line}`);
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
    .addOption(
      new Option('--network <mode>', 'the network of RUN steps without --network (default host)').choices([
        'host',
        'none',
      ] as const),
    )
    .option(
      '--secret <id=ID,src=FILE>',
      'a secret for RUN --mount=type=secret (or id=ID,env=VAR; repeatable)',
      collect,
    )
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
        buildArgs: parseKeyValues(options.buildArg, '--build-arg', { fromEnv: true }) ?? {},
        ...(options.target !== undefined ? { target: options.target } : {}),
        ...(platforms.length > 0 ? { platforms } : {}),
        labels: parseKeyValues(options.label, '--label') ?? {},
        noCache: options.cache === false,
        ...(options.network !== undefined ? { network: options.network } : {}),
        secrets: secrets(options.secret),
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
