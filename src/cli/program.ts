/**
 * The `ocikit` program: global options and the table of commands (one file each in ./commands).
 * Only the module of the command being run is loaded, so a command pays only for the library
 * modules it uses (startup time is most of a small operation).
 */
import { readFileSync } from 'node:fs';
import { Command } from '@commander-js/extra-typings';

type CommandFactory = () => Promise<object>;

/** Each command's name and how to load its definition. */
const COMMANDS: Record<string, CommandFactory> = {
  inspect: async () => (await import('./commands/inspect.ts')).inspectCommand(),
  digest: async () => (await import('./commands/digest.ts')).digestCommand(),
  copy: async () => (await import('./commands/copy.ts')).copyCommand(),
  tag: async () => (await import('./commands/tag.ts')).tagCommand(),
  layout: async () => (await import('./commands/layout.ts')).layoutCommand(),
  fsck: async () => (await import('./commands/layout.ts')).fsckCommand(),
  gc: async () => (await import('./commands/layout.ts')).gcCommand(),
  unpack: async () => (await import('./commands/unpack.ts')).unpackCommand(),
  export: async () => (await import('./commands/export.ts')).exportCommand(),
  append: async () => (await import('./commands/append.ts')).appendCommand(),
  mutate: async () => (await import('./commands/mutate.ts')).mutateCommand(),
  diff: async () => (await import('./commands/diff.ts')).diffCommand(),
  ls: async () => (await import('./commands/registry.ts')).lsCommand(),
  catalog: async () => (await import('./commands/registry.ts')).catalogCommand(),
  delete: async () => (await import('./commands/registry.ts')).deleteCommand(),
  blob: async () => (await import('./commands/registry.ts')).blobCommand(),
  login: async () => (await import('./commands/auth.ts')).loginCommand(),
  logout: async () => (await import('./commands/auth.ts')).logoutCommand(),
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** The command named in `argv` (after the node and script paths), if it is a known one. */
function requestedCommand(argv: string[]): string | undefined {
  const first = argv.slice(2).find((arg) => !arg.startsWith('-'));
  return first !== undefined && first in COMMANDS ? first : undefined;
}

/** Builds the program with the command `argv` names registered, or every command (for help and errors). */
export async function buildProgram(argv: string[]): Promise<Command> {
  const program = new Command('ocikit')
    .description('the OCI image toolkit: inspect, copy, verify and unpack container images without a daemon')
    .version(version())
    .option('--insecure', 'use plain HTTP and skip TLS verification for registries')
    .showHelpAfterError();
  const wanted = requestedCommand(argv);
  const versionOnly = wanted === undefined && argv.slice(2).some((a) => a === '-V' || a === '--version');
  const names = wanted ? [wanted] : versionOnly ? [] : Object.keys(COMMANDS);
  for (const name of names) {
    const factory = COMMANDS[name] as CommandFactory;
    program.addCommand((await factory()) as unknown as Command);
  }
  return program as unknown as Command;
}
