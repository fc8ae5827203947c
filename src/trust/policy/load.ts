/**
 * Finding and reading policy.json: `--policy FILE`, else `$HOME/.config/containers/policy.json`,
 * else `/etc/containers/policy.json` (containers-policy.json(5)); both roots overridable.
 */
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, OciError } from '../../errors/index.ts';
import { MAX_POLICY_BYTES, parsePolicy } from './parse.ts';
import type { Policy } from './types.ts';

/** Where the policy is looked for. */
export interface PolicyLocation {
  /** An explicit file: it must exist. */
  path?: string;
  /** The home folder (default: the user's). */
  home?: string;
  /** The root of `/etc/containers/policy.json` (default `/`). */
  systemRoot?: string;
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The policy file that applies, or undefined when there is none (no explicit one given). */
export async function policyPath(location: PolicyLocation = {}): Promise<string | undefined> {
  if (location.path !== undefined) return location.path;
  const user = join(location.home ?? homedir(), '.config/containers/policy.json');
  if (await exists(user)) return user;
  const system = join(location.systemRoot ?? '/', 'etc/containers/policy.json');
  return (await exists(system)) ? system : undefined;
}

/**
 * Reads and parses the policy that applies: undefined when no file exists and none was named;
 * NOT_FOUND for a named file that is missing; INVALID_DOCUMENT / TOO_LARGE for a bad one.
 */
export async function loadPolicy(
  location: PolicyLocation = {},
): Promise<{ path: string; policy: Policy } | undefined> {
  const path = await policyPath(location);
  if (path === undefined) return undefined;
  let bytes: Buffer;
  try {
    const info = await stat(path);
    if (info.size > MAX_POLICY_BYTES) {
      throw new OciError(ErrorCode.TOO_LARGE, `${path} is ${info.size} bytes, over ${MAX_POLICY_BYTES}`, {
        data: { path },
      });
    }
    bytes = await readFile(path);
  } catch (err) {
    if (err instanceof OciError) throw err;
    throw new OciError(
      ErrorCode.NOT_FOUND,
      `the policy file ${path} cannot be read: ${(err as Error).message}`,
      {
        cause: err,
        data: { path },
      },
    );
  }
  return { path, policy: parsePolicy(bytes, path) };
}
