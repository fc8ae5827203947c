/**
 * The instructions with one plain argument or a list of words: MAINTAINER (deprecated), WORKDIR,
 * USER, STOPSIGNAL, EXPOSE and VOLUME (Dockerfile reference).
 */
import { atLeastOne, base, exactlyOne, type InstructionContext, type Of } from './context.ts';
import { ignoreFlags, parseFlags } from './flags.ts';

/** Parses MAINTAINER, with a deprecation warning. */
export function parseMaintainer(ctx: InstructionContext): Of<'MAINTAINER'> {
  const maintainer = exactlyOne(ctx);
  parseFlags(ctx, {});
  ctx.warn('MAINTAINER is deprecated; use LABEL org.opencontainers.image.authors=… instead');
  return { kind: 'MAINTAINER', ...base(ctx), maintainer };
}

/** Parses WORKDIR. */
export function parseWorkdir(ctx: InstructionContext): Of<'WORKDIR'> {
  const path = exactlyOne(ctx);
  parseFlags(ctx, {});
  return { kind: 'WORKDIR', ...base(ctx), path };
}

/** Parses USER. */
export function parseUser(ctx: InstructionContext): Of<'USER'> {
  const user = exactlyOne(ctx);
  parseFlags(ctx, {});
  return { kind: 'USER', ...base(ctx), user };
}

/** Parses STOPSIGNAL (whose flags BuildKit never reads: they are ignored with a warning). */
export function parseStopSignal(ctx: InstructionContext): Of<'STOPSIGNAL'> {
  const signal = exactlyOne(ctx);
  ignoreFlags(ctx);
  return { kind: 'STOPSIGNAL', ...base(ctx), signal };
}

/** Parses EXPOSE; ports stay as written (`80`, `53/udp`, `$PORT`), in order. */
export function parseExpose(ctx: InstructionContext): Of<'EXPOSE'> {
  atLeastOne(ctx);
  parseFlags(ctx, {});
  return { kind: 'EXPOSE', ...base(ctx), ports: ctx.raw.args };
}

/** Parses VOLUME (words or a JSON array); paths are trimmed and may not be empty. */
export function parseVolume(ctx: InstructionContext): Of<'VOLUME'> {
  atLeastOne(ctx);
  parseFlags(ctx, {});
  const volumes = ctx.raw.args.map((volume) => {
    const trimmed = volume.trim();
    if (trimmed === '') throw ctx.error('VOLUME paths cannot be empty');
    return trimmed;
  });
  return { kind: 'VOLUME', ...base(ctx), volumes };
}
