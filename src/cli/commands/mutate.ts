/** `ocikit mutate IMAGE -t DST [--entrypoint ...] [--cmd ...] [--env K=V] ...`: change config and annotations. */
import { Command } from '@commander-js/extra-typings';
import { copyImage } from '../../copy/index.ts';
import { openImage } from '../../image/image.ts';
import { type ConfigChanges, mutateAnnotations, mutateConfig, mutatePlatform } from '../../mutate/index.ts';
import { parsePlatform } from '../../platform/index.ts';
import { givenOnce, parseExposedPort, parseStopSignal } from '../config-values.ts';
import { printWritten, withSink, withSource } from '../context.ts';
import { parseKeyValues } from '../key-values.ts';
import { UsageError } from '../run.ts';
import { commandSignal } from '../signal.ts';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Parses `--entrypoint`/`--cmd`: a JSON array of strings, '' to clear, or one plain string. */
function parseArgv(value: string, flag: string): string[] | null {
  if (value === '') return null;
  if (!value.trimStart().startsWith('[')) return [value];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new UsageError(`${flag} must be a JSON array of strings or a plain string`);
  }
  if (!Array.isArray(parsed) || !parsed.every((v) => typeof v === 'string')) {
    throw new UsageError(`${flag} must be a JSON array of strings`);
  }
  return parsed;
}

/** Registers `mutate`. */
export function mutateCommand() {
  return new Command('mutate')
    .description('change the config or annotations of an image and write the result')
    .argument('<image>', 'image name')
    .requiredOption('-t, --tag <destination>', 'where to write the new image')
    .option('--platform <os/arch[/variant]>', 'the image to pick from an index')
    .option(
      '--entrypoint <argv>',
      'entrypoint: a JSON array, or one string; "" clears it',
      givenOnce('--entrypoint'),
    )
    .option('--cmd <argv>', 'cmd: a JSON array, or one string; "" clears it', givenOnce('--cmd'))
    .option('--env <KEY=VALUE>', 'set an environment variable (repeatable)', collect)
    .option('--label <KEY=VALUE>', 'set a label (repeatable)', collect)
    .option('--workdir <dir>', 'working directory')
    .option('--user <user>', 'user, uid, user:group or uid:gid')
    .option(
      '--expose <port>',
      'expose a port, e.g. 8080 or 53/udp (repeatable)',
      (value, previous: string[] = []) => collect(parseExposedPort(value), previous),
    )
    .option('--volume <path>', 'declare a volume (repeatable)', collect)
    .option('--stop-signal <signal>', 'stop signal, e.g. SIGTERM', parseStopSignal)
    .option('--unset-env <KEY>', 'remove an environment variable (repeatable)', collect)
    .option('--unset-label <KEY>', 'remove a label (repeatable)', collect)
    .option(
      '--unset-expose <port>',
      'stop exposing a port, e.g. 8080 or 53/udp (repeatable)',
      (value, previous: string[] = []) => collect(parseExposedPort(value), previous),
    )
    .option('--unset-volume <path>', 'remove a volume (repeatable)', collect)
    .option('--annotation <KEY=VALUE>', 'set a manifest annotation (repeatable)', collect)
    .option('--set-platform <os/arch[/variant]>', 'change the platform the config declares')
    .action(async (name, options, command) =>
      withSource(name, command, async (source) => {
        let image = await openImage(source, { platform: options.platform });
        const changes: ConfigChanges = {};
        if (options.entrypoint !== undefined)
          changes.entrypoint = parseArgv(options.entrypoint, '--entrypoint');
        if (options.cmd !== undefined) changes.cmd = parseArgv(options.cmd, '--cmd');
        if (options.env) {
          parseKeyValues(options.env, '--env');
          changes.env = options.env;
        }
        const labels = parseKeyValues(options.label, '--label');
        if (labels) changes.labels = labels;
        if (options.workdir !== undefined) changes.workdir = options.workdir;
        if (options.user !== undefined) changes.user = options.user;
        if (options.expose) changes.exposedPorts = options.expose;
        if (options.volume) changes.volumes = options.volume;
        if (options.stopSignal !== undefined) changes.stopSignal = options.stopSignal;
        if (options.unsetEnv) changes.unsetEnv = options.unsetEnv;
        if (options.unsetLabel) changes.unsetLabels = options.unsetLabel;
        if (options.unsetExpose) changes.unsetExposedPorts = options.unsetExpose;
        if (options.unsetVolume) changes.unsetVolumes = options.unsetVolume;
        if (Object.keys(changes).length > 0) image = await mutateConfig(image, changes);
        if (options.setPlatform) image = await mutatePlatform(image, parsePlatform(options.setPlatform));
        const annotations = parseKeyValues(options.annotation, '--annotation');
        if (annotations) image = await mutateAnnotations(image, annotations);
        await withSink(options.tag, command, async (sink) =>
          printWritten(
            options.tag,
            (await copyImage(image.source, sink, { signal: commandSignal() })).digest,
          ),
        );
      }),
    );
}
