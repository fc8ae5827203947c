/**
 * Runs the commander program with the CLI contract's exit codes (DESIGN.md §3): 0 success,
 * 1 failure, 2 usage error. Failures print one clear line on stderr, never a stack, never secrets.
 */
import { type Command, CommanderError } from '@commander-js/extra-typings';
import { isOciError, toOciError } from '../errors/index.ts';
import { terminalSafe } from './output.ts';

/** Exit status for a failed operation. */
export const EXIT_FAILURE = 1;
/** Exit status for bad usage (unknown command or option, missing argument, bad value). */
export const EXIT_USAGE = 2;

/** A usage error raised by a command's own argument checks. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Parses `argv`, runs the command, and returns the process exit code. */
export async function runCli(program: Command, argv: string[]): Promise<number> {
  const configure = (command: Command): void => {
    command.exitOverride();
    command.configureOutput({ writeErr: (text) => process.stderr.write(text) });
    for (const sub of command.commands) configure(sub as Command);
  };
  configure(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
      )
        return 0;
      return EXIT_USAGE;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`ocikit: ${terminalSafe(err.message)}\n`);
      return EXIT_USAGE;
    }
    if (isOciError(err)) {
      process.stderr.write(`ocikit: ${err.code}: ${terminalSafe(err.message)}\n`);
      if (process.env.OCIKIT_DEBUG && err.cause) process.stderr.write(`cause: ${String(err.cause)}\n`);
      return EXIT_FAILURE;
    }
    const system = err as { name?: string; code?: unknown } | null;
    if (system?.name === 'AbortError' || typeof system?.code === 'string') {
      const wrapped = toOciError(err);
      process.stderr.write(`ocikit: ${wrapped.code}: ${terminalSafe(wrapped.message)}\n`);
      return EXIT_FAILURE;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`ocikit: ${terminalSafe(message)}\n`);
    if (process.env.OCIKIT_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return EXIT_FAILURE;
  }
}
