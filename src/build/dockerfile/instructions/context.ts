/**
 * What every instruction parser needs: errors that name the instruction's place (or one of its
 * flags), and a place to put warnings.
 */
import { ErrorCode, type OciError } from '../../../errors/index.ts';
import { type DockerfilePlace, dockerfileError } from '../errors.ts';
import { positionsOf } from '../syntax/positions.ts';
import type { BuildWarning, Instruction, RawInstruction, SourceRange } from '../types.ts';

/** One raw instruction being checked. */
export class InstructionContext {
  readonly raw: RawInstruction;
  readonly #onWarning: (warning: BuildWarning) => void;

  constructor(raw: RawInstruction, onWarning: (warning: BuildWarning) => void) {
    this.raw = raw;
    this.#onWarning = onWarning;
  }

  /** The instruction's place, or that of its flag number `flag` when given. */
  place(flag?: number): DockerfilePlace {
    const positions = positionsOf(this.raw);
    const offset = flag === undefined ? positions?.keyword : positions?.flags[flag];
    const at = offset === undefined ? undefined : positions?.locate(offset);
    const range = this.raw.range;
    return {
      file: range.file,
      line: at?.line ?? range.startLine,
      endLine: range.endLine,
      ...(at === undefined ? {} : { column: at.column }),
    };
  }

  /** An INVALID_ARGUMENT (or `code`) error at the instruction, or at flag number `flag`. */
  error(reason: string, flag?: number, code: ErrorCode = ErrorCode.INVALID_ARGUMENT): OciError {
    return dockerfileError(code, this.place(flag), reason);
  }

  /** Records a non-fatal finding about this instruction. */
  warn(message: string): void {
    this.#onWarning({ message, range: this.raw.range });
  }
}

/** The fields every instruction has: its range and its text as written. */
export function base(ctx: InstructionContext): { readonly range: SourceRange; readonly original: string } {
  return { range: ctx.raw.range, original: ctx.raw.original };
}

/** Throws unless the instruction has exactly one argument ("KEYWORD needs exactly one argument"). */
export function exactlyOne(ctx: InstructionContext): string {
  const [only, ...more] = ctx.raw.args;
  if (only === undefined || more.length > 0) throw ctx.error(`${ctx.raw.keyword} needs exactly one argument`);
  return only;
}

/** Throws unless the instruction has at least one argument. */
export function atLeastOne(ctx: InstructionContext): void {
  if (ctx.raw.args.length === 0) throw ctx.error(`${ctx.raw.keyword} needs at least one argument`);
}

/** The typed instruction of kind `K`. */
export type Of<K extends Instruction['kind']> = Extract<Instruction, { kind: K }>;
