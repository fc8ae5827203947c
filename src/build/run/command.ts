/**
 * The process a RUN line becomes, as BuildKit's Dockerfile frontend makes it:
 * - exec form: the argv as written;
 * - shell form: SHELL (default `/bin/sh -c`) followed by the command text;
 * - a command that is nothing but one heredoc (`RUN <<EOF`): a body starting with `#!` is written
 *   to a file (mode 0755) mounted read-only at `/dev/pipes/NAME`, and the shell runs that path;
 *   any other body is itself the shell's command;
 * - other heredocs (`RUN cat <<A >/x`): the command and each body with its delimiter line are
 *   joined into one script for the shell, which reads the heredocs itself.
 */
import { ErrorCode, OciError } from '../../errors/index.ts';
import type { CommandLine, Heredoc } from '../dockerfile/types.ts';

/** The default SHELL on Linux. */
export const DEFAULT_SHELL: readonly string[] = ['/bin/sh', '-c'];

/** Where single-heredoc scripts with a `#!` line are mounted. */
export const PIPES_DIR = '/dev/pipes';

/** A file the process needs mounted (a heredoc script). */
export interface CommandFile {
  /** Absolute path in the container. */
  readonly destination: string;
  readonly content: string;
  readonly mode: number;
}

/** The argv of the step and the files it reads. */
export interface StepCommand {
  readonly argv: string[];
  readonly files: CommandFile[];
}

/** One word after `<<` or `<<-` (an optional fd number before it), nothing else: a lone heredoc. */
const LONE_HEREDOC = /^\s*[0-9]*<<-?\s*(?:"[^"\s]+"|'[^'\s]+'|[^\s<>|&;'"]+)\s*$/;

/**
 * Builds the step's argv from the parsed RUN line. Throws INVALID_ARGUMENT for an empty exec form
 * or a heredoc on an exec form (the parser does not produce either).
 */
export function stepCommand(
  command: CommandLine,
  heredocs: readonly Heredoc[] = [],
  shell: readonly string[] = DEFAULT_SHELL,
): StepCommand {
  if (command.form === 'exec') {
    if (heredocs.length > 0) {
      throw new OciError(ErrorCode.INVALID_ARGUMENT, 'a heredoc cannot be used with the exec form of RUN');
    }
    if (command.argv.length === 0) throw new OciError(ErrorCode.INVALID_ARGUMENT, 'RUN needs a command');
    return { argv: [...command.argv], files: [] };
  }
  if (shell.length === 0) throw new OciError(ErrorCode.INVALID_ARGUMENT, 'SHELL is empty');
  const [only] = heredocs;
  if (heredocs.length === 1 && only !== undefined && LONE_HEREDOC.test(command.command)) {
    if (only.content.startsWith('#!')) {
      if (!/^[A-Za-z0-9_.-]+$/.test(only.name) || only.name === '.' || only.name === '..') {
        throw new OciError(ErrorCode.INVALID_ARGUMENT, `invalid heredoc name ${JSON.stringify(only.name)}`);
      }
      const destination = `${PIPES_DIR}/${only.name}`;
      return {
        argv: [...shell, destination],
        files: [{ destination, content: only.content, mode: 0o755 }],
      };
    }
    return { argv: [...shell, only.content], files: [] };
  }
  let script = command.command;
  for (const doc of heredocs) script += `\n${doc.content}${doc.name}`;
  return { argv: [...shell, script], files: [] };
}
