/**
 * The Dockerfile as the parser gives it (BuildKit's frontend/dockerfile/parser and instructions
 * packages): first a raw syntax tree (one {@link RawInstruction} per instruction, words not yet
 * expanded), then typed {@link Instruction}s whose flags and arguments have been checked. Nothing
 * here is expanded: `$VAR` and friends stay in the strings, and the build expands them with the
 * environment in scope (src/build/shell).
 */

/** Where something is in a Dockerfile: 1-based lines, inclusive; `file` as the user named it. */
export interface SourceRange {
  readonly file: string;
  readonly startLine: number;
  readonly endLine: number;
}

/** A heredoc body (`<<EOF … EOF`, `<<-EOF` strips leading tabs, a quoted name disables expansion). */
export interface Heredoc {
  /** The delimiter word, without quotes or the `-`. */
  readonly name: string;
  /** The body, with its final newline; tabs already stripped for `<<-`. */
  readonly content: string;
  /** False when the delimiter was quoted (`<<"EOF"`, `<<'EOF'`): the body is taken as it is. */
  readonly expand: boolean;
  /** True for `<<-`. */
  readonly chomp: boolean;
}

/** The parser directives at the top of the file (`# escape=`, `# syntax=`, `# check=`). */
export interface Directives {
  /** The escape character, `\` or `` ` ``. */
  readonly escape: '\\' | '`';
  readonly syntax?: string;
  readonly check?: string;
}

/** One instruction as written, after continuation lines are joined and comments dropped. */
export interface RawInstruction {
  /** The keyword in upper case (`FROM`, `COPY`, …); unknown keywords are kept for the error. */
  readonly keyword: string;
  /** The keyword as it was written (`from`, `Run`, `FORM`), for messages. */
  readonly keywordAsWritten: string;
  /** Flags before the arguments, as written without the leading `--` kept: e.g. `--from=build`. */
  readonly flags: readonly string[];
  /**
   * The arguments. Exec (JSON) form: the array's strings. Shell form: for instructions that take
   * one free-form string (RUN, CMD, ENTRYPOINT, SHELL-form HEALTHCHECK CMD, ONBUILD) a single
   * element with the rest of the line; for the others the whitespace-separated words, quotes kept.
   */
  readonly args: readonly string[];
  /** True when the arguments were a JSON array. */
  readonly json: boolean;
  /** The instruction's text as written (continuations joined), for history and messages. */
  readonly original: string;
  readonly heredocs: readonly Heredoc[];
  readonly range: SourceRange;
  /** For `ONBUILD X`, the inner instruction. */
  readonly inner?: RawInstruction;
}

/** A parsed Dockerfile: directives, instructions in order, and non-fatal warnings. */
export interface DockerfileAst {
  readonly directives: Directives;
  readonly instructions: readonly RawInstruction[];
  readonly warnings: readonly BuildWarning[];
}

/** A non-fatal finding (deprecated MAINTAINER, an empty continuation line, …). */
export interface BuildWarning {
  readonly message: string;
  readonly range?: SourceRange;
}

/** `KEY=VALUE` as ENV and LABEL give it (the legacy `ENV KEY VALUE` form too). */
export interface KeyValue {
  readonly key: string;
  readonly value: string;
}

/** An ARG: its name and, when given, its default (unexpanded). */
export interface ArgDeclaration {
  readonly name: string;
  readonly defaultValue?: string;
}

/** A command line in shell form (one string run by SHELL) or exec form (argv as given). */
export type CommandLine =
  | { readonly form: 'shell'; readonly command: string }
  | { readonly form: 'exec'; readonly argv: readonly string[] };

/** HEALTHCHECK's settings; durations in nanoseconds as the image config stores them. */
export interface HealthcheckSpec {
  /** `['NONE']`, `['CMD', ...argv]` or `['CMD-SHELL', command]`. */
  readonly test: readonly string[];
  readonly interval?: number;
  readonly timeout?: number;
  readonly startPeriod?: number;
  readonly startInterval?: number;
  readonly retries?: number;
}

/** Sources and destination of COPY/ADD; heredoc sources become inline files. */
export interface SourcesAndDest {
  readonly sources: readonly string[];
  readonly dest: string;
  /** `COPY <<EOF /dest` bodies, named by their delimiter. */
  readonly inline: readonly Heredoc[];
}

interface Base<K extends string> {
  readonly kind: K;
  readonly range: SourceRange;
  /** The instruction as written (for history's `created_by` and messages). */
  readonly original: string;
}

/** The typed instructions (BuildKit's instructions package); strings are not yet expanded. */
export type Instruction =
  | (Base<'FROM'> & { readonly image: string; readonly stageName?: string; readonly platform?: string })
  | (Base<'ARG'> & { readonly args: readonly ArgDeclaration[] })
  | (Base<'ENV'> & { readonly pairs: readonly KeyValue[] })
  | (Base<'LABEL'> & { readonly pairs: readonly KeyValue[] })
  | (Base<'MAINTAINER'> & { readonly maintainer: string })
  | (Base<'WORKDIR'> & { readonly path: string })
  | (Base<'USER'> & { readonly user: string })
  | (Base<'EXPOSE'> & { readonly ports: readonly string[] })
  | (Base<'VOLUME'> & { readonly volumes: readonly string[] })
  | (Base<'STOPSIGNAL'> & { readonly signal: string })
  | (Base<'SHELL'> & { readonly shell: readonly string[] })
  | (Base<'CMD'> & { readonly command: CommandLine; readonly heredocs: readonly Heredoc[] })
  | (Base<'ENTRYPOINT'> & { readonly command: CommandLine; readonly heredocs: readonly Heredoc[] })
  | (Base<'HEALTHCHECK'> & { readonly health: HealthcheckSpec })
  | (Base<'ONBUILD'> & { readonly expression: string })
  | (Base<'RUN'> & {
      readonly command: CommandLine;
      readonly heredocs: readonly Heredoc[];
      /** `--mount`, `--network`, `--security` as written, checked later by the RUN executor. */
      readonly flags: readonly string[];
    })
  | (Base<'COPY'> &
      SourcesAndDest & {
        readonly from?: string;
        readonly chown?: string;
        readonly chmod?: string;
        readonly link: boolean;
        readonly parents: boolean;
        readonly exclude: readonly string[];
      })
  | (Base<'ADD'> &
      SourcesAndDest & {
        readonly chown?: string;
        readonly chmod?: string;
        readonly link: boolean;
        readonly checksum?: string;
        readonly keepGitDir: boolean;
        readonly exclude: readonly string[];
        /** `--unpack` (BuildKit 1.17 labs); undefined means the default rules. */
        readonly unpack?: boolean;
      });

/** The instruction kinds, e.g. `'COPY'`. */
export type InstructionKind = Instruction['kind'];

/** One stage: its FROM and the instructions after it, in order. */
export interface Stage {
  /** 0-based position among the stages. */
  readonly index: number;
  /** `AS name` in lower case, when given. */
  readonly name?: string;
  readonly from: Extract<Instruction, { kind: 'FROM' }>;
  readonly instructions: readonly Exclude<Instruction, { kind: 'FROM' }>[];
}

/** A Dockerfile as the build uses it: the ARGs before the first FROM (the global scope) and the stages. */
export interface ParsedDockerfile {
  readonly directives: Directives;
  readonly globalArgs: readonly Extract<Instruction, { kind: 'ARG' }>[];
  readonly stages: readonly Stage[];
  readonly warnings: readonly BuildWarning[];
}
