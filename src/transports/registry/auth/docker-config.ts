/**
 * Reading and atomically rewriting Docker's `config.json` (`$DOCKER_CONFIG/config.json`, else
 * `~/.docker/config.json`). Unknown keys are kept as they are; the file is written with mode 0600
 * through a temporary file renamed over the old one, so readers never see half a file.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, realpath, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { ErrorCode, OciError } from '../../../errors/index.ts';

/** One `auths` entry as Docker writes it. */
export interface DockerAuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  [key: string]: unknown;
}

/** The parts of `config.json` ocikit reads; every other key is kept untouched on rewrite. */
export interface DockerConfig {
  auths?: Record<string, DockerAuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [key: string]: unknown;
}

/** Largest config file read; anything bigger is not a Docker config. */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** The config file path: `$DOCKER_CONFIG/config.json` when set, else `~/.docker/config.json`. */
export function dockerConfigPath(env: Record<string, string | undefined> = process.env): string {
  const dir = env.DOCKER_CONFIG;
  if (dir !== undefined && dir !== '') return join(dir, 'config.json');
  return join(env.HOME || homedir(), '.docker', 'config.json');
}

/**
 * The file `ocikit login` saves to when no `--authfile` is given: `$REGISTRY_AUTH_FILE` when set
 * (as skopeo's default), else Docker's config file.
 */
export function defaultLoginFile(env: Record<string, string | undefined> = process.env): string {
  const named = env.REGISTRY_AUTH_FILE;
  return named !== undefined && named !== '' ? named : dockerConfigPath(env);
}

/** The command that replaces the credentials of `host` kept in (or through) the auth file `path`. */
export function loginRemedy(
  host: string,
  path: string,
  env: Record<string, string | undefined> = process.env,
): string {
  return path === defaultLoginFile(env) ? `ocikit login ${host}` : `ocikit login --authfile ${path} ${host}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(path: string, reason: string, cause?: unknown): OciError {
  return new OciError(ErrorCode.INVALID_DOCUMENT, `Docker config file ${path} is invalid: ${reason}`, {
    data: { path },
    cause,
  });
}

/** Checks the shape of the keys ocikit uses; values are never echoed (they may be secrets). */
function validate(path: string, value: unknown): DockerConfig {
  if (!isRecord(value)) throw invalid(path, 'not a JSON object');
  const { auths, credsStore, credHelpers } = value;
  if (auths !== undefined) {
    if (!isRecord(auths)) throw invalid(path, '"auths" is not an object');
    for (const [key, entry] of Object.entries(auths)) {
      if (!isRecord(entry)) throw invalid(path, `"auths" entry ${JSON.stringify(key)} is not an object`);
      for (const field of ['auth', 'username', 'password', 'identitytoken']) {
        if (entry[field] !== undefined && typeof entry[field] !== 'string') {
          throw invalid(path, `"${field}" of "auths" entry ${JSON.stringify(key)} is not a string`);
        }
      }
    }
  }
  if (credsStore !== undefined && typeof credsStore !== 'string')
    throw invalid(path, '"credsStore" is not a string');
  if (credHelpers !== undefined) {
    if (!isRecord(credHelpers)) throw invalid(path, '"credHelpers" is not an object');
    for (const [key, helper] of Object.entries(credHelpers)) {
      if (typeof helper !== 'string')
        throw invalid(path, `"credHelpers" entry ${JSON.stringify(key)} is not a string`);
    }
  }
  return value as DockerConfig;
}

/** Reads the config file; a missing file is an empty config. Throws INVALID_DOCUMENT on a broken one. */
export async function readDockerConfig(path: string): Promise<DockerConfig> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return {};
    throw new OciError(ErrorCode.IO_ERROR, `cannot read Docker config file ${path}`, {
      data: { path },
      cause: err,
    });
  }
  if (bytes.byteLength > MAX_CONFIG_BYTES) throw invalid(path, 'file too large');
  if (bytes.toString('utf8').trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    // The parser's message may quote file content (a secret), so it is not kept as the cause.
    throw invalid(path, 'not valid JSON');
  }
  return validate(path, parsed);
}

/**
 * Replaces the config file atomically: a temp file in the same folder (mode 0600), fsynced,
 * then renamed over the target (through a symlink to its real file, as Docker does).
 */
export async function writeDockerConfig(path: string, config: DockerConfig): Promise<void> {
  let target = path;
  try {
    target = await realpath(path);
  } catch {
    // No file yet: write it where it was asked for.
  }
  const dir = dirname(target);
  const temp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(config, null, '\t')}\n`);
      await handle.chmod(0o600);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw new OciError(ErrorCode.IO_ERROR, `cannot write Docker config file ${target}`, {
      data: { path: target },
      cause: err,
    });
  }
}
