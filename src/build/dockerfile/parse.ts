/**
 * A Dockerfile as the build uses it: the syntax tree checked instruction by instruction, the ARGs
 * before the first FROM kept as the global scope, and every other instruction grouped under the
 * FROM that starts its stage.
 */
import { ErrorCode } from '../../errors/index.ts';
import { dockerfileError } from './errors.ts';
import { InstructionContext } from './instructions/context.ts';
import { parseInstruction } from './instructions/dispatch.ts';
import { type ParseOptions, parseDockerfileAst } from './syntax/ast.ts';
import type { BuildWarning, Instruction, ParsedDockerfile, Stage } from './types.ts';

type StageInstruction = Exclude<Instruction, { kind: 'FROM' }>;

/**
 * Parses and checks a whole Dockerfile. Throws OciError (INVALID_ARGUMENT, UNSUPPORTED for features
 * ocikit lacks) whose message starts `Dockerfile:LINE:` (the `file` option names it) and whose
 * `data` holds file, line, endLine and column: the syntax errors of {@link parseDockerfileAst}, the
 * per-instruction errors of {@link parseInstruction}, an instruction other than ARG before the first
 * FROM, and a file without FROM. Stage references (`COPY --from`, `FROM stage`) are left to the build.
 */
export function parseDockerfile(text: string, options: ParseOptions = {}): ParsedDockerfile {
  const ast = parseDockerfileAst(text, options);
  const warnings: BuildWarning[] = [...ast.warnings];
  const globalArgs: Extract<Instruction, { kind: 'ARG' }>[] = [];
  const stages: {
    index: number;
    name?: string;
    from: Extract<Instruction, { kind: 'FROM' }>;
    instructions: StageInstruction[];
  }[] = [];
  for (const raw of ast.instructions) {
    const instruction = parseInstruction(raw, (warning) => warnings.push(warning));
    if (instruction.kind === 'FROM') {
      stages.push({
        index: stages.length,
        ...(instruction.stageName === undefined ? {} : { name: instruction.stageName }),
        from: instruction,
        instructions: [],
      });
      continue;
    }
    const current = stages[stages.length - 1];
    if (current !== undefined) current.instructions.push(instruction);
    else if (instruction.kind === 'ARG') globalArgs.push(instruction);
    else {
      throw new InstructionContext(raw, () => {}).error(
        `no build stage in current context: ${raw.keyword} comes before the first FROM (only ARG may)`,
      );
    }
  }
  if (stages.length === 0) {
    const last = ast.instructions[ast.instructions.length - 1];
    throw dockerfileError(
      ErrorCode.INVALID_ARGUMENT,
      { file: options.file ?? 'Dockerfile', line: last?.range.endLine ?? 1 },
      'the Dockerfile has no FROM instruction, so no stage to build',
    );
  }
  const result: Stage[] = stages;
  return { directives: ast.directives, globalArgs, stages: result, warnings };
}

/**
 * Parses the trigger text of an ONBUILD (as stored in an image config's `OnBuild`) into the
 * instructions it runs. Throws like {@link parseDockerfile}; a FROM in a trigger is INVALID_ARGUMENT.
 */
export function parseOnbuildTrigger(expression: string, options: ParseOptions = {}): StageInstruction[] {
  const ast = parseDockerfileAst(expression, options);
  return ast.instructions.map((raw) => {
    const instruction = parseInstruction(raw);
    if (instruction.kind === 'FROM') {
      throw new InstructionContext(raw, () => {}).error('FROM is not allowed as an ONBUILD trigger');
    }
    return instruction;
  });
}
