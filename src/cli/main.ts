#!/usr/bin/env node
/**
 * The `ocikit` command line: one file per command under ./commands, each a thin layer over the
 * library. Only what the command being run needs is loaded: `--version` loads no parser and no
 * command, the parser loads only the named command's module (program.ts).
 */
import { keepHttpParserInBaselineTier } from './http-parser-tier.ts';
import { watchMemory } from './memory-watch.ts';
import { watchOutput } from './output.ts';
import { EXIT_INTERRUPTED, handleInterrupts, stopCommand } from './signal.ts';
import { onlyVersionAsked, packageVersion } from './version.ts';

// First, so that Ctrl-C or a closed pipe at any point stops the command the same way.
handleInterrupts();
watchOutput(() => stopCommand('the reader of the output has gone'));

if (onlyVersionAsked(process.argv)) {
  process.stdout.write(`${packageVersion()}\n`);
} else {
  watchMemory();
  keepHttpParserInBaselineTier();
  const [{ buildProgram }, { runCli }] = await Promise.all([import('./program.ts'), import('./run.ts')]);
  const code = await runCli(await buildProgram(process.argv), process.argv);
  // An interrupted command has cleaned up: what it leaves running (idle sockets, compression
  // threads) must not keep the process alive.
  if (code === EXIT_INTERRUPTED) process.exit(code);
  process.exitCode = code;
}
