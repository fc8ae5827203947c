#!/usr/bin/env node
/** The `ocikit` command line: one file per command under ./commands, each a thin layer over the library. */
import { buildProgram } from './program.ts';
import { runCli } from './run.ts';

// The memory governor matters only to commands that stream for a while: it (and the v8 and vm
// modules it needs) loads after a short delay, which a short command never reaches.
// A governor that fails to load (say, a reinstall replaced the chunk mid-run) is only missed.
setTimeout(() => {
  import('./memory.ts').then((m) => m.startMemoryGovernor()).catch(() => {});
}, 25).unref();
process.exitCode = await runCli(await buildProgram(process.argv), process.argv);
