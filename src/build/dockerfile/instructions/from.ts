/**
 * FROM (Dockerfile reference, "FROM"): `FROM [--platform=P] IMAGE [AS NAME]`. Stage names are
 * case-insensitive (kept in lower case) and must match `[a-z][a-z0-9-_.]*`.
 */
import { quoted } from '../errors.ts';
import { base, type InstructionContext, type Of } from './context.ts';
import { parseFlags } from './flags.ts';

const STAGE_NAME = /^[a-z][a-z0-9\-_.]*$/;

/** Parses FROM; warns when the stage name is not written in lower case. */
export function parseFrom(ctx: InstructionContext): Of<'FROM'> {
  const args = ctx.raw.args;
  let stageName: string | undefined;
  if (args.length === 3 && (args[1] as string).toLowerCase() === 'as') {
    const written = args[2] as string;
    stageName = written.toLowerCase();
    if (!STAGE_NAME.test(stageName)) {
      throw ctx.error(
        `invalid stage name ${quoted(written)}: it must start with a letter and hold only letters, digits, '-', '_' and '.'`,
      );
    }
    if (written !== stageName) ctx.warn(`stage name ${quoted(written)} should be written in lower case`);
  } else if (args.length !== 1) {
    throw ctx.error('FROM takes an image and an optional stage name: FROM IMAGE [AS NAME]');
  }
  const flags = parseFlags(ctx, { platform: 'string' });
  const platform = flags.string('platform');
  return {
    kind: 'FROM',
    ...base(ctx),
    image: args[0] as string,
    ...(stageName === undefined ? {} : { stageName }),
    ...(platform === undefined ? {} : { platform }),
  };
}
