/**
 * ONBUILD (Dockerfile reference, "ONBUILD"): an instruction stored in the image config and run when
 * another build uses the image as its base. ONBUILD ONBUILD, ONBUILD FROM and ONBUILD MAINTAINER are
 * refused. The stored expression is the instruction without `ONBUILD`, heredoc bodies appended.
 */
import { base, type InstructionContext, type Of } from './context.ts';
import { parseFlags } from './flags.ts';

/** Parses ONBUILD into the trigger text that goes into the image config. */
export function parseOnbuild(ctx: InstructionContext): Of<'ONBUILD'> {
  const { args, inner, heredocs, original } = ctx.raw;
  const rest = args[0];
  if (rest === undefined) throw ctx.error('ONBUILD needs at least one argument');
  parseFlags(ctx, {});
  const trigger = (inner?.keywordAsWritten ?? rest.split(/[\t\v\f\r ]/, 1)[0] ?? '').trim().toUpperCase();
  if (trigger === 'ONBUILD') throw ctx.error('ONBUILD ONBUILD is not allowed');
  if (trigger === 'FROM' || trigger === 'MAINTAINER')
    throw ctx.error(`${trigger} is not allowed as an ONBUILD trigger`);
  let expression = original.replace(/^[\t\n\f\r ]*ONBUILD[\t\n\f\r ]*/i, '');
  for (const heredoc of heredocs) expression += `\n${heredoc.content}${heredoc.name}`;
  return { kind: 'ONBUILD', ...base(ctx), expression };
}
