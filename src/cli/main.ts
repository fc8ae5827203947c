#!/usr/bin/env node
/**
 * The `ocikit` command line: one file per command under ./commands, each a thin layer over the
 * library. Only what the command being run needs is loaded: `--version` loads no parser and no
 * command, the parser loads only the named command's module (program.ts).
 */
import { adaptivePoll, MEMORY_POLL, movedSince } from './adaptive-poll.ts';
import { watchOutput } from './output.ts';
import { EXIT_INTERRUPTED, handleInterrupts, stopCommand } from './signal.ts';
import { onlyVersionAsked, packageVersion } from './version.ts';

/**
 * ArrayBuffer bytes at which the memory governor (memory.ts, with the v8 and vm modules it needs)
 * is loaded: below the mark where it starts collecting, so it runs before it is needed, and out of
 * reach of a short command, which never streams that much.
 */
const GOVERNOR_LOAD_BYTES = 6 << 20;

// First, so that Ctrl-C or a closed pipe at any point stops the command the same way.
handleInterrupts();
watchOutput(() => stopCommand('the reader of the output has gone'));

if (onlyVersionAsked(process.argv)) {
  process.stdout.write(`${packageVersion()}\n`);
} else {
  watchMemory();
  const [{ buildProgram }, { runCli }] = await Promise.all([import('./program.ts'), import('./run.ts')]);
  const code = await runCli(await buildProgram(process.argv), process.argv);
  // An interrupted command has cleaned up: what it leaves running (idle sockets, compression
  // threads) must not keep the process alive.
  if (code === EXIT_INTERRUPTED) process.exit(code);
  process.exitCode = code;
}

/**
 * Loads the memory governor once streaming has piled up {@link GOVERNOR_LOAD_BYTES} of buffers.
 * A governor that fails to load (say, a reinstall replaced the chunk mid-run) is only missed.
 */
function watchMemory(): void {
  let seen = 0;
  adaptivePoll(() => {
    const live = process.memoryUsage().arrayBuffers;
    if (live < GOVERNOR_LOAD_BYTES) {
      const moved = movedSince(seen, live);
      seen = live;
      return moved;
    }
    import('./memory.ts').then((m) => m.startMemoryGovernor()).catch(() => {});
    return 'stop';
  }, MEMORY_POLL);
}
