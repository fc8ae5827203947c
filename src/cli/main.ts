#!/usr/bin/env node
/** The `ocikit` command line: one file per command under ./commands, each a thin layer over the library. */
import { startMemoryGovernor } from './memory.ts';
import { buildProgram } from './program.ts';
import { runCli } from './run.ts';

startMemoryGovernor();
process.exitCode = await runCli(await buildProgram(process.argv), process.argv);
