/**
 * RUN, CMD, ENTRYPOINT and SHELL (Dockerfile reference, "Shell and exec form"): a JSON array of
 * strings is exec form, anything else is shell form, one command line run by the SHELL. SHELL
 * itself must be exec form. RUN takes `--mount` (repeatable), `--network` and `--security`, kept as
 * written for the RUN executor to check.
 */
import { ErrorCode } from '../../../errors/index.ts';
import type { CommandLine } from '../types.ts';
import { base, type InstructionContext, type Of } from './context.ts';
import { parseFlags } from './flags.ts';

function commandLine(ctx: InstructionContext): CommandLine {
  const { args, json } = ctx.raw;
  return json ? { form: 'exec', argv: args } : { form: 'shell', command: args.join(' ') };
}

/** Parses RUN; `--device` is refused as UNSUPPORTED. */
export function parseRun(ctx: InstructionContext): Of<'RUN'> {
  const flags = parseFlags(ctx, { mount: 'list', network: 'string', security: 'string', device: 'list' });
  const device = flags.indexOf('device');
  if (device !== undefined) throw ctx.error('RUN --device is not supported', device, ErrorCode.UNSUPPORTED);
  return {
    kind: 'RUN',
    ...base(ctx),
    command: commandLine(ctx),
    heredocs: ctx.raw.heredocs,
    flags: ctx.raw.flags,
  };
}

/** Parses CMD. */
export function parseCmd(ctx: InstructionContext): Of<'CMD'> {
  parseFlags(ctx, {});
  return { kind: 'CMD', ...base(ctx), command: commandLine(ctx), heredocs: [] };
}

/** Parses ENTRYPOINT. */
export function parseEntrypoint(ctx: InstructionContext): Of<'ENTRYPOINT'> {
  parseFlags(ctx, {});
  return { kind: 'ENTRYPOINT', ...base(ctx), command: commandLine(ctx), heredocs: [] };
}

/** Parses SHELL, which must be a non-empty JSON array. */
export function parseShell(ctx: InstructionContext): Of<'SHELL'> {
  parseFlags(ctx, {});
  if (ctx.raw.args.length === 0) throw ctx.error('SHELL needs at least one argument');
  if (!ctx.raw.json) throw ctx.error('SHELL needs its arguments in JSON form, e.g. SHELL ["/bin/sh", "-c"]');
  return { kind: 'SHELL', ...base(ctx), shell: ctx.raw.args };
}
