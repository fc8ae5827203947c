/**
 * Dockerfile parsing held to BuildKit's Dockerfile frontend: {@link parseDockerfile} for the build
 * (typed instructions grouped in stages), {@link parseDockerfileAst} for the syntax tree alone.
 */
export { type DockerfilePlace, dockerfileError } from './errors.ts';
export { parseInstruction } from './instructions/dispatch.ts';
export { parseDockerfile, parseOnbuildTrigger } from './parse.ts';
export { type ParseOptions, parseDockerfileAst } from './syntax/ast.ts';
export type {
  ArgDeclaration,
  BuildWarning,
  CommandLine,
  Directives,
  DockerfileAst,
  HealthcheckSpec,
  Heredoc,
  Instruction,
  InstructionKind,
  KeyValue,
  ParsedDockerfile,
  RawInstruction,
  SourceRange,
  SourcesAndDest,
  Stage,
} from './types.ts';
