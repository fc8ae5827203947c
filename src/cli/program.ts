/**
 * The `ocikit` program: global options and the table of commands (one file each in ./commands).
 * Only the module of the command being run is loaded, so a command pays only for the library
 * modules it uses (startup time is most of a small operation).
 */
import { Command } from '@commander-js/extra-typings';
import { askMissingPasswords, parseBoolFlag, refuseCredsWithNoCreds } from './registry-flags.ts';
import { packageVersion } from './version.ts';

type CommandFactory = () => Promise<object>;

/** Each command's name and how to load its definition. */
const COMMANDS: Record<string, CommandFactory> = {
  inspect: async () => (await import('./commands/inspect.ts')).inspectCommand(),
  digest: async () => (await import('./commands/digest.ts')).digestCommand(),
  'manifest-digest': async () => (await import('./commands/manifest-digest.ts')).manifestDigestCommand(),
  manifest: async () => (await import('./commands/manifest.ts')).manifestCommand(),
  config: async () => (await import('./commands/config.ts')).configCommand(),
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
  build: async () => (await import('./commands/build.ts')).buildCommand(),
  ls: async () => (await import('./commands/registry.ts')).lsCommand(),
  catalog: async () => (await import('./commands/registry.ts')).catalogCommand(),
  delete: async () => (await import('./commands/registry.ts')).deleteCommand(),
  blob: async () => (await import('./commands/registry.ts')).blobCommand(),
  login: async () => (await import('./commands/auth.ts')).loginCommand(),
  logout: async () => (await import('./commands/auth.ts')).logoutCommand(),
  key: async () => (await import('./commands/key.ts')).keyCommand(),
  sign: async () => (await import('./commands/sign.ts')).signCommand(),
  verify: async () => (await import('./commands/verify.ts')).verifyCommand(),
  attach: async () => (await import('./commands/attach.ts')).attachCommand(),
  discover: async () => (await import('./commands/discover.ts')).discoverCommand(),
  serve: async () => (await import('./commands/serve.ts')).serveCommand(),
  explore: async () => (await import('./commands/explore.ts')).exploreCommand(),
  flatten: async () => (await import('./commands/flatten.ts')).flattenCommand(),
  rebase: async () => (await import('./commands/rebase.ts')).rebaseCommand(),
  index: async () => (await import('./commands/index.ts')).indexCommand(),
  validate: async () => (await import('./commands/validate.ts')).validateCommand(),
  sync: async () => (await import('./commands/sync.ts')).syncCommand(),
};

/** Global options whose value may follow as the next argument (`--cert-dir DIR`). */
const GLOBAL_VALUES = new Set([
  '--cert-dir',
  '--creds',
  '--username',
  '--password',
  '--registry-token',
  '--authfile',
  '--registries-conf',
]);

/** The command named in `argv` (after the node and script paths), if it is a known one. */
function requestedCommand(argv: string[]): string | undefined {
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (GLOBAL_VALUES.has(arg)) i++;
    else if (
      arg === '--tls-verify' &&
      /^(true|false|[01tTfF]|TRUE|FALSE|True|False)$/.test(args[i + 1] ?? '')
    )
      i++;
    else if (!arg.startsWith('-')) return arg in COMMANDS ? arg : undefined;
  }
  return undefined;
}

/** Builds the program with the command `argv` names registered, or every command (for help and errors). */
export async function buildProgram(argv: string[]): Promise<Command> {
  const program = new Command('ocikit')
    .description('the OCI image toolkit: inspect, copy, verify and unpack container images without a daemon')
    .version(packageVersion())
    .option(
      '--tls-verify [bool]',
      'registries: require HTTPS and verify certificates (default true; plain HTTP for localhost and 127.0.0.0/8). false skips verification and falls back to plain HTTP',
      parseBoolFlag('--tls-verify'),
    )
    .option('--insecure', 'the same as --tls-verify=false')
    .option(
      '--cert-dir <dir>',
      "registries: CA certificates (*.crt) and client pairs (NAME.cert + NAME.key), instead of the registry's certs.d folder",
    )
    .option(
      '--creds <user[:password]>',
      'registry credentials (the password is asked for on a terminal when left out)',
    )
    .option('--username <user>', 'the registry user name (with --password; or use --creds)')
    .option('--password <password>', 'the registry password (with --username)')
    .option('--no-creds', 'access registries anonymously, reading no stored credentials')
    .option('--registry-token <token>', 'a bearer token for the registry')
    .option(
      '--authfile <file>',
      "the auth file to read credentials from and login to save to (default $REGISTRY_AUTH_FILE, else the containers auth.json files, then Docker's config.json)",
    )
    .option(
      '--registries-conf <file>',
      'the registries.conf to apply (mirrors, blocked registries, remapping, short names); default $CONTAINERS_REGISTRIES_CONF, else the containers system and user files',
    )
    .hook('preAction', (self, action) => {
      refuseCredsWithNoCreds((self as unknown as { rawArgs: string[] }).rawArgs);
      return askMissingPasswords(action);
    })
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
