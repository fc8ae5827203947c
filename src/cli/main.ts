#!/usr/bin/env node
/** The `ocikit` command line: one file per command under ./commands, each a thin layer over the library. */
import { watchOutput } from './output.ts';
import { buildProgram } from './program.ts';
import { runCli } from './run.ts';
import { EXIT_INTERRUPTED, handleInterrupts, stopCommand } from './signal.ts';

// First, so that Ctrl-C or a closed pipe at any point stops the command the same way.
handleInterrupts();
watchOutput(() => stopCommand('the reader of the output has gone'));

// The memory governor matters only to commands that stream for a while: it (and the v8 and vm
// modules it needs) loads after a short delay, which a short command never reaches.
// A governor that fails to load (say, a reinstall replaced the chunk mid-run) is only missed.
setTimeout(() => {
  import('./memory.ts').then((m) => m.startMemoryGovernor()).catch(() => {});
}, 25).unref();
const code = await runCli(await buildProgram(process.argv), process.argv);
// An interrupted command has cleaned up: what it leaves running (idle sockets, compression
// threads) must not keep the process alive.
if (code === EXIT_INTERRUPTED) process.exit(code);
process.exitCode = code;
