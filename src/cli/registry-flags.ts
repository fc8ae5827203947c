/**
 * The registry flags of the command line, as skopeo spells them: `--creds USER[:PASSWORD]` (or
 * `--username` with `--password`, or `--no-creds`), `--registry-token`, `--authfile`, `--tls-verify[=BOOL]` (`--insecure` for `--tls-verify=false`)
 * and `--cert-dir`, global; a command with two sides (copy, sync) adds `--src-*` and `--dest-*`
 * versions that win over the global ones on their side.
 */
import type { TransportOptions } from '../transports/index.ts';
import { UsageError } from './run.ts';

/** Which side of a two-sided command the options are for. */
export type Side = 'src' | 'dest';

/** The values of the registry flags as commander names them. */
export interface RegistryFlags {
  insecure?: boolean;
  tlsVerify?: boolean;
  certDir?: string;
  creds?: string | false;
  registryToken?: string;
  authfile?: string;
  [sideFlag: string]: unknown;
}

/** The flags that may carry a `USER[:PASSWORD]` (commander's names). */
const CREDS_FLAGS = ['creds', 'srcCreds', 'destCreds'] as const;

/** Parses a boolean flag value as Go's `strconv.ParseBool` does (`true`, `false`, `1`, `0`, `t`, `f`, ...). */
export function parseBoolFlag(flag: string): (value: string) => boolean {
  return (value) => {
    if (/^(1|t|T|TRUE|true|True)$/.test(value)) return true;
    if (/^(0|f|F|FALSE|false|False)$/.test(value)) return false;
    throw new UsageError(`${flag} takes true or false, got ${JSON.stringify(value)}`);
  };
}

/** Splits `USER:PASSWORD` at the first colon; a missing password is a usage error (prompting comes first). */
export function parseCreds(value: string, flag: string): { username: string; password: string } {
  const colon = value.indexOf(':');
  const username = colon < 0 ? value : value.slice(0, colon);
  if (username === '') throw new UsageError(`${flag} needs a user name: ${flag} USER[:PASSWORD]`);
  if (colon < 0) {
    throw new UsageError(
      `${flag} ${username}: no password given and no terminal to ask on; pass ${flag} USER:PASSWORD`,
    );
  }
  return { username, password: value.slice(colon + 1) };
}

/** `certDir` → `cert-dir`. */
const dashed = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * The value of flag `name` for `side` and how it was spelled: the side's own flag
 * (`--src-cert-dir`, commander's `srcCertDir`) when given, else the global one.
 */
function pick<T>(
  flags: RegistryFlags,
  name: string,
  side: Side | undefined,
): { value: T; flag: string } | undefined {
  if (side !== undefined) {
    const own = flags[`${side}${name.charAt(0).toUpperCase()}${name.slice(1)}`];
    if (own !== undefined) return { value: own as T, flag: `--${side}-${dashed(name)}` };
  }
  const global = flags[name];
  return global === undefined ? undefined : { value: global as T, flag: `--${dashed(name)}` };
}

/** The credentials one level of flags asks for, and the flag that gave them (for messages). */
interface CredentialsFlags {
  credentials?: { username: string; password: string };
  anonymous?: boolean;
  flag: string;
}

/**
 * The credentials of one level of flags: the side's own (`--src-creds`, `--src-username` with
 * `--src-password`, `--src-no-creds`) when `side` is given, else the global ones (`--creds`,
 * `--username` with `--password`, `--no-creds`). As skopeo, a username needs its password and the
 * reverse, and the three ways exclude each other on one level.
 */
function credentialsAt(flags: RegistryFlags, side: Side | undefined): CredentialsFlags | undefined {
  const key = (name: string) =>
    side === undefined ? name : `${side}${name[0]?.toUpperCase()}${name.slice(1)}`;
  const flag = (name: string) => `--${side === undefined ? '' : `${side}-`}${name}`;
  // The global `--no-creds` is commander's negation of `--creds`: it sets `creds` to false.
  const creds = typeof flags[key('creds')] === 'string' ? (flags[key('creds')] as string) : undefined;
  const username = flags[key('username')] as string | undefined;
  const password = flags[key('password')] as string | undefined;
  const anonymous = side === undefined ? flags.creds === false : flags[key('noCreds')] === true;
  const given = [
    creds !== undefined ? flag('creds') : undefined,
    username !== undefined || password !== undefined ? flag('username') : undefined,
    anonymous ? flag('no-creds') : undefined,
  ].filter((name) => name !== undefined);
  if (given.length > 1) throw new UsageError(`${given.join(' and ')} exclude each other`);
  if (anonymous) return { anonymous: true, flag: flag('no-creds') };
  if (creds !== undefined) return { credentials: parseCreds(creds, flag('creds')), flag: flag('creds') };
  if (username === undefined && password === undefined) return undefined;
  if (username === undefined) throw new UsageError(`${flag('password')} needs ${flag('username')}`);
  if (username === '') throw new UsageError(`${flag('username')}: the user name is empty`);
  if (password === undefined) throw new UsageError(`${flag('username')} needs ${flag('password')}`);
  return { credentials: { username, password }, flag: flag('username') };
}

/** The credentials for `side`: its own flags when given, else the global ones. */
function credentialsFor(flags: RegistryFlags, side: Side | undefined): CredentialsFlags | undefined {
  return (side !== undefined ? credentialsAt(flags, side) : undefined) ?? credentialsAt(flags, undefined);
}

/**
 * The transport options the registry flags in `flags` ask for, for one side or for both. With
 * `credentials: false` (login, logout: their `-u`/`-p` are the credentials being saved) the
 * credential flags are left unread.
 */
export function registryOptions(
  flags: RegistryFlags,
  side?: Side,
  { credentials = true }: { credentials?: boolean } = {},
): TransportOptions {
  const options: TransportOptions = {};
  const tlsVerify = pick<boolean>(flags, 'tlsVerify', side);
  if (tlsVerify !== undefined) options.tlsVerify = tlsVerify.value;
  else if (flags.insecure === true) options.tlsVerify = false;
  const certDir = pick<string>(flags, 'certDir', side);
  if (certDir !== undefined) options.certDir = certDir.value;
  const creds = credentials ? credentialsFor(flags, side) : undefined;
  if (creds?.anonymous === true) options.anonymous = true;
  else if (creds?.credentials !== undefined) options.credentials = creds.credentials;
  const token = pick<string>(flags, 'registryToken', side);
  if (token !== undefined) options.registryToken = token.value;
  if (creds?.credentials !== undefined && token !== undefined) {
    throw new UsageError(`${creds.flag} and ${token.flag} exclude each other`);
  }
  const authFile = pick<string>(flags, 'authfile', side);
  if (authFile !== undefined) options.authFile = authFile.value;
  return options;
}

/**
 * Refuses `--creds` with `--no-creds` in `args` (the program's raw arguments, up to `--`):
 * commander reads `--no-creds` as the negation of `--creds`, so the last one given would win
 * silently, where skopeo refuses the pair.
 */
export function refuseCredsWithNoCreds(args: readonly string[]): void {
  const end = args.indexOf('--');
  const given = end < 0 ? args : args.slice(0, end);
  if (given.includes('--no-creds') && given.some((arg) => arg === '--creds' || arg.startsWith('--creds='))) {
    throw new UsageError('--creds and --no-creds exclude each other');
  }
}

/**
 * Asks on the terminal for the password of each `--creds USER` (and `--src-creds`,
 * `--dest-creds`) given without one, and stores `USER:PASSWORD` back as the flag's value. Without
 * a terminal it leaves them be ({@link parseCreds} then says what to do).
 */
export async function askMissingPasswords(command: {
  getOptionValue(key: string): unknown;
  setOptionValue(key: string, value: unknown): unknown;
  parent: unknown;
}): Promise<void> {
  for (let at: typeof command | null = command; at; at = at.parent as typeof command | null) {
    for (const key of CREDS_FLAGS) {
      const value = at.getOptionValue(key);
      if (typeof value !== 'string' || value.includes(':') || value === '') continue;
      const { canPrompt, promptSecret } = await import('./password-prompt.ts');
      if (!canPrompt()) continue;
      const password = await promptSecret(`Password for ${value}: `);
      at.setOptionValue(key, `${value}:${password}`);
    }
  }
}

/**
 * Adds skopeo's per-side registry flags (`--src-creds`, `--dest-tls-verify`, …) to a two-sided
 * command (copy, sync); each wins over its global flag on its side (read by registryOptions).
 */
export function addSideRegistryOptions<
  C extends { option(flags: string, description: string, parse?: (value: string) => unknown): unknown },
>(command: C): C {
  for (const [side, what] of [
    ['src', 'source'],
    ['dest', 'destination'],
  ] as const) {
    command.option(`--${side}-creds <user[:password]>`, `credentials for the ${what} registry`);
    command.option(
      `--${side}-username <user>`,
      `the user name for the ${what} registry (with --${side}-password)`,
    );
    command.option(
      `--${side}-password <password>`,
      `the password for the ${what} registry (with --${side}-username)`,
    );
    command.option(`--${side}-registry-token <token>`, `a bearer token for the ${what} registry`);
    command.option(`--${side}-authfile <file>`, `the auth file for the ${what} registry`);
    command.option(
      `--${side}-tls-verify [bool]`,
      `TLS verification for the ${what} registry`,
      parseBoolFlag(`--${side}-tls-verify`),
    );
    command.option(`--${side}-cert-dir <dir>`, `CA certificates and client pairs for the ${what} registry`);
    command.option(`--${side}-no-creds`, `access the ${what} registry anonymously`);
  }
  return command;
}
