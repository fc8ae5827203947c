/** The version `ocikit --version` prints, and how to tell that nothing but the version is asked for. */
import { readFileSync } from 'node:fs';

/** The `version` of the package.json beside the command (two folders up, from the sources or the bundle). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/**
 * True when `argv` (node, script, arguments) asks only for the version (`ocikit --version` or
 * `ocikit -V`), which the command answers without loading its parser or any command.
 */
export function onlyVersionAsked(argv: readonly string[]): boolean {
  return argv.length === 3 && (argv[2] === '--version' || argv[2] === '-V');
}
