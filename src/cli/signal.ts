/**
 * Interrupts (DESIGN.md §3: exit 130). One AbortController per process stands for the command:
 * SIGINT or SIGTERM aborts it, so every library call given {@link commandSignal} rejects with
 * ABORTED and its cleanups (temp files, half-unpacked bundles, staged archives) run; then the
 * command line prints `ocikit: ABORTED: interrupted` and exits 130.
 *
 * A command that never asked for the signal has nothing to clean up and is ended at once. One that
 * did is given {@link CLEANUP_DEADLINE_MS} to stop; a second signal ends it at once.
 */
import { ErrorCode, OciError } from '../errors/index.ts';

/** Exit status after an interrupt: 128 + SIGINT, what shells report for Ctrl-C. */
export const EXIT_INTERRUPTED = 130;

/** The one line an interrupted command prints on stderr. */
export const INTERRUPTED_LINE = `ocikit: ${ErrorCode.ABORTED}: interrupted\n`;

/** How long an interrupted command may take to remove what it had half written. */
export const CLEANUP_DEADLINE_MS = 5000;

const controller = new AbortController();
/** The command asked for its signal: it stops and cleans up by itself. */
let observed = false;
/** SIGINT or SIGTERM was received. */
let signalled = false;
let reported = false;

/**
 * The signal of the running command: aborted (with an ABORTED OciError as its reason) on SIGINT
 * or SIGTERM. Calling it tells the interrupt handler that the command will stop and clean up by
 * itself, so the handler waits for it instead of ending the process at once.
 */
export function commandSignal(): AbortSignal {
  observed = true;
  return controller.signal;
}

/** True once SIGINT or SIGTERM has been received. */
export function interrupted(): boolean {
  return signalled;
}

/**
 * Stops the command without an interrupt, e.g. when the reader of its output has gone: the
 * command's signal aborts with ABORTED `reason` and its cleanups run; the exit status is the
 * caller's to choose.
 */
export function stopCommand(reason: string): void {
  if (!controller.signal.aborted) controller.abort(new OciError(ErrorCode.ABORTED, reason));
}

/** Prints the interrupt line on stderr, once whatever the number of callers. */
export function reportInterrupted(): void {
  if (reported) return;
  reported = true;
  process.stderr.write(INTERRUPTED_LINE);
}

/** Reports the interrupt and ends the process with {@link EXIT_INTERRUPTED} now. */
export function exitInterrupted(): never {
  reportInterrupted();
  process.exit(EXIT_INTERRUPTED);
}

function onSignal(): void {
  // A second signal, or a command with no cleanup of its own: nothing to wait for.
  if (signalled || !observed) exitInterrupted();
  signalled = true;
  stopCommand('interrupted');
  // Cleanup that hangs (a stalled peer, a slow disk) must not keep the user waiting forever.
  setTimeout(exitInterrupted, CLEANUP_DEADLINE_MS).unref();
}

/**
 * Routes SIGINT and SIGTERM to the command's signal for the life of the process; installed before
 * the command is loaded, so a signal while it starts ends it with 130 too. Idempotent.
 */
export function handleInterrupts(): void {
  if (process.listeners('SIGINT').includes(onSignal)) return;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
