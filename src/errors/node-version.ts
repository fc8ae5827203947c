/**
 * The Node.js release ocikit needs (package.json `engines`; zstd came to node:zlib in 22.15).
 * The errors module imports this first and every other module imports the errors module, so
 * loading any entry point of the library on an older Node throws this one message instead of a
 * TypeError deep inside later. bin/ocikit.js checks the same before it loads anything.
 */

/** The oldest Node.js release ocikit runs on, as [major, minor]. */
export const MINIMUM_NODE: readonly [major: number, minor: number] = [22, 15];

/**
 * The message for a Node.js version (as `process.version` spells it, e.g. `v20.19.1`) older than
 * {@link MINIMUM_NODE}, or undefined when it is recent enough.
 */
export function unsupportedNodeMessage(version: string): string | undefined {
  const [major = Number.NaN, minor = Number.NaN] = version.replace(/^v/, '').split('.').map(Number);
  const [wantMajor, wantMinor] = MINIMUM_NODE;
  if (major > wantMajor || (major === wantMajor && minor >= wantMinor)) return undefined;
  return `ocikit: needs Node >= ${wantMajor}.${wantMinor} (this is ${version})`;
}

// Without `process` (a bundle for another runtime) there is no Node version to hold against.
const running: string | undefined = globalThis.process?.version;
const problem = running === undefined ? undefined : unsupportedNodeMessage(running);
if (problem !== undefined) throw Object.assign(new Error(problem), { code: 'UNSUPPORTED_NODE' });
