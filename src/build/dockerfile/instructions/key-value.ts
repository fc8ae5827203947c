/**
 * ENV, LABEL and ARG (Dockerfile reference): `ENV name=value …` (and the legacy `ENV name value`,
 * whose value is the rest of the line), `LABEL name=value …`, `ARG name[=default] …`. Values keep
 * their quotes and `$` references: the build expands them.
 */
import { base, type InstructionContext, type Of } from './context.ts';
import { ignoreFlags, parseFlags } from './flags.ts';

function pairs(ctx: InstructionContext): { key: string; value: string }[] {
  const { args, keyword } = ctx.raw;
  const first = args[0];
  if (first === undefined) throw ctx.error(`${keyword} needs at least one argument`);
  if (!first.includes('=')) {
    if (args.length !== 2) throw ctx.error(`${keyword} needs a name and a value: ${keyword} name=value`);
    ctx.warn(`legacy "${keyword} name value" form; write "${keyword} name=value"`);
    return [{ key: first, value: args[1] as string }];
  }
  return args.map((word) => {
    const eq = word.indexOf('=');
    if (eq < 0)
      throw ctx.error(
        `${keyword} expects name=value pairs; there is no = in ${JSON.stringify(word.slice(0, 80))}`,
      );
    if (eq === 0) throw ctx.error(`${keyword} names cannot be empty`);
    return { key: word.slice(0, eq), value: word.slice(eq + 1) };
  });
}

/** Parses ENV. */
export function parseEnv(ctx: InstructionContext): Of<'ENV'> {
  parseFlags(ctx, {});
  return { kind: 'ENV', ...base(ctx), pairs: pairs(ctx) };
}

/** Parses LABEL. */
export function parseLabel(ctx: InstructionContext): Of<'LABEL'> {
  parseFlags(ctx, {});
  return { kind: 'LABEL', ...base(ctx), pairs: pairs(ctx) };
}

/** Parses ARG (several declarations per line allowed). */
export function parseArg(ctx: InstructionContext): Of<'ARG'> {
  if (ctx.raw.args.length === 0) throw ctx.error('ARG needs at least one argument');
  ignoreFlags(ctx);
  const args = ctx.raw.args.map((word) => {
    const eq = word.indexOf('=');
    if (eq === 0) throw ctx.error('ARG names cannot be empty');
    return eq < 0 ? { name: word } : { name: word.slice(0, eq), defaultValue: word.slice(eq + 1) };
  });
  return { kind: 'ARG', ...base(ctx), args };
}
