/**
 * Runs the commander program with the CLI contract's exit codes (DESIGN.md §3): 0 success,
 * 1 failure, 2 usage error, 130 interrupted. Failures print one clear line on stderr, never a
 * stack, never secrets; an interrupted command prints only `ocikit: ABORTED: interrupted`.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { type Command, CommanderError } from '@commander-js/extra-typings';
import { isOciError, toOciError } from '../errors/index.ts';
import { outputClosed, terminalSafe } from './output.ts';
import { EXIT_INTERRUPTED, interrupted, reportInterrupted } from './signal.ts';

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

/**
 * Parses `argv`, runs the command, and returns the process exit code. After SIGINT or SIGTERM
 * (see signal.ts) it is {@link EXIT_INTERRUPTED} whatever the command did, with the one interrupt
 * line; when the reader of stdout went away it is 0 and nothing more is printed (the output was
 * cut short on purpose, as by `head`).
 */
export async function runCli(program: Command, argv: string[]): Promise<number> {
  const configure = (command: Command): void => {
    command.exitOverride();
    command.configureOutput({ writeErr: (text) => process.stderr.write(text) });
    for (const sub of command.commands) configure(sub as Command);
  };
  configure(program);
  let failure: { err: unknown } | undefined;
  try {
    await program.parseAsync(argv);
  } catch (err) {
    failure = { err };
    // A failed write to a closed stdout rejects before the stream's own error event is emitted:
    // let that event mark the output closed before deciding what this failure was.
    await nextTurn();
  }
  if (interrupted()) {
    reportInterrupted();
    return EXIT_INTERRUPTED;
  }
  if (failure === undefined) return typeof process.exitCode === 'number' ? process.exitCode : 0;
  if (outputClosed()) return 0;
  return reportFailure(failure.err);
}

/** Prints one line for a failed command and returns its exit code. */
function reportFailure(err: unknown): number {
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
