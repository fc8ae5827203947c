/**
 * Raw instructions into typed ones (BuildKit's instructions package): each keyword's arguments and
 * flags are checked; an unknown keyword is an error with a "did you mean" hint.
 */
import { escaped } from '../errors.ts';
import { KEYWORDS } from '../syntax/node.ts';
import type { BuildWarning, Instruction, RawInstruction } from '../types.ts';
import { parseCmd, parseEntrypoint, parseRun, parseShell } from './commands.ts';
import { InstructionContext } from './context.ts';
import { parseAdd, parseCopy } from './copy-add.ts';
import { parseFrom } from './from.ts';
import { parseHealthcheck } from './healthcheck.ts';
import { parseArg, parseEnv, parseLabel } from './key-value.ts';
import { parseOnbuild } from './onbuild.ts';
import {
  parseExpose,
  parseMaintainer,
  parseStopSignal,
  parseUser,
  parseVolume,
  parseWorkdir,
} from './simple.ts';
import { suggest } from './suggest.ts';

type Parser = (ctx: InstructionContext) => Instruction;

const PARSERS: ReadonlyMap<string, Parser> = new Map<string, Parser>([
  ['ADD', parseAdd],
  ['ARG', parseArg],
  ['CMD', parseCmd],
  ['COPY', parseCopy],
  ['ENTRYPOINT', parseEntrypoint],
  ['ENV', parseEnv],
  ['EXPOSE', parseExpose],
  ['FROM', parseFrom],
  ['HEALTHCHECK', parseHealthcheck],
  ['LABEL', parseLabel],
  ['MAINTAINER', parseMaintainer],
  ['ONBUILD', parseOnbuild],
  ['RUN', parseRun],
  ['SHELL', parseShell],
  ['STOPSIGNAL', parseStopSignal],
  ['USER', parseUser],
  ['VOLUME', parseVolume],
  ['WORKDIR', parseWorkdir],
]);

/**
 * Checks one raw instruction and gives its typed form (nothing expanded). Throws OciError
 * INVALID_ARGUMENT naming `Dockerfile:LINE` for an unknown instruction, unknown, repeated or
 * ill-formed flags, a wrong number of arguments and the other rules of each instruction;
 * UNSUPPORTED for RUN --device. Warnings (deprecated MAINTAINER, legacy `ENV name value`, ignored
 * flags, a stage name not in lower case) go to `onWarning`.
 */
export function parseInstruction(
  raw: RawInstruction,
  onWarning: (warning: BuildWarning) => void = () => {},
): Instruction {
  const ctx = new InstructionContext(raw, onWarning);
  const parser = PARSERS.get(raw.keyword);
  if (parser !== undefined) return parser(ctx);
  if (raw.keywordAsWritten === '') throw ctx.error('an instruction is missing after the line continuation');
  const hint = suggest(raw.keywordAsWritten, KEYWORDS, false);
  throw ctx.error(
    `unknown instruction: ${escaped(raw.keywordAsWritten)}${hint === undefined ? '' : ` (did you mean ${hint}?)`}`,
  );
}
