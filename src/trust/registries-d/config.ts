/**
 * registries.d: where the containers tools keep and look for the simple signatures of registry
 * images (containers-registries.d(5), containers/image `docker/registries_d.go`). Every `*.yaml`
 * file of one folder is read and merged; `default-docker` and each `docker` namespace may be
 * defined once across the files. An entry gives `lookaside` (read, and write unless
 * `lookaside-staging` is set), `lookaside-staging` (write only), their deprecated `sigstore` and
 * `sigstore-staging` spellings, and `use-sigstore-attachments`.
 */
import { constants } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, OciError, toOciError } from '../../errors/index.ts';
import type { Reference } from '../../reference/index.ts';
import { dockerIdentity, dockerNamespaces } from '../scopes/docker.ts';

/** One `default-docker` or `docker.NAMESPACE` entry. */
export interface RegistryNamespace {
  lookaside?: string;
  'lookaside-staging'?: string;
  sigstore?: string;
  'sigstore-staging'?: string;
  'use-sigstore-attachments'?: boolean;
}

/** The merged configuration of a registries.d folder. */
export interface RegistriesConfig {
  defaultDocker?: RegistryNamespace;
  docker: Map<string, RegistryNamespace>;
}

/** Largest registries.d file read. */
const MAX_FILE_BYTES = 1024 * 1024;

/** Where the folder is looked for when none is given (overridable for tests and chroots). */
export interface RegistriesDirOptions {
  /** An explicit folder (`--registries.d`): the only one read. */
  dir?: string;
  /** The home folder whose `.config/containers/registries.d` is used when it exists (default: the user's). */
  home?: string;
  /** The root of `/etc/containers/registries.d` (default `/`). */
  systemRoot?: string;
}

/** The folder read: `dir`, else `$HOME/.config/containers/registries.d` when it exists, else `/etc/containers/registries.d`. */
export async function registriesDir(options: RegistriesDirOptions = {}): Promise<string> {
  if (options.dir !== undefined) return options.dir;
  const user = join(options.home ?? homedir(), '.config/containers/registries.d');
  try {
    await stat(user);
    return user;
  } catch {
    return join(options.systemRoot ?? '/', 'etc/containers/registries.d');
  }
}

/**
 * One registries.d file's text: INVALID_DOCUMENT when it is not a regular file (a folder or a
 * FIFO named `*.yaml` is refused rather than read, or waited on), TOO_LARGE above the limit.
 */
async function readConfigFile(path: string): Promise<string> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const info = await handle.stat();
    if (!info.isFile()) {
      throw new OciError(ErrorCode.INVALID_DOCUMENT, `${path} is not a regular file`, { data: { path } });
    }
    if (info.size > MAX_FILE_BYTES) {
      throw new OciError(ErrorCode.TOO_LARGE, `${path} is over ${MAX_FILE_BYTES} bytes`, { data: { path } });
    }
    // Sized by the file, not by the limit (a sync reads these files for every image); one byte
    // more shows a file that grew since the stat, which is then read again up to the limit.
    let buffer = Buffer.allocUnsafe(info.size + 1);
    let { bytesRead } = await handle.read(buffer, 0, buffer.byteLength, 0);
    if (bytesRead > info.size) {
      buffer = Buffer.allocUnsafe(MAX_FILE_BYTES + 1);
      ({ bytesRead } = await handle.read(buffer, 0, buffer.byteLength, 0));
    }
    if (bytesRead > MAX_FILE_BYTES) {
      throw new OciError(ErrorCode.TOO_LARGE, `${path} is over ${MAX_FILE_BYTES} bytes`, { data: { path } });
    }
    return buffer.subarray(0, bytesRead).toString('utf8');
  } catch (err) {
    if (err instanceof OciError) throw err;
    throw new OciError(ErrorCode.INVALID_DOCUMENT, `${path} cannot be read: ${(err as Error).message}`, {
      cause: err,
      data: { path },
    });
  } finally {
    await handle?.close();
  }
}

/**
 * Reads and merges every `*.yaml` file of the folder {@link registriesDir} picks. A missing folder
 * is an empty configuration; INVALID_DOCUMENT for a bad file or an entry defined twice.
 */
export async function loadRegistriesConfig(options: RegistriesDirOptions = {}): Promise<RegistriesConfig> {
  const dir = await registriesDir(options);
  const merged: RegistriesConfig = { docker: new Map() };
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return merged;
    throw toOciError(err);
  }
  const files = names.filter((n) => n.endsWith('.yaml')).sort();
  if (files.length === 0) return merged;
  // The YAML parser loads only when there is a file to parse: most copies find none.
  const { parseRegistriesFile } = await import('./parse.ts');
  const from = new Map<string, string>();
  for (const name of files) {
    const path = join(dir, name);
    const config = parseRegistriesFile(await readConfigFile(path), path);
    if (config.defaultDocker !== undefined) {
      if (merged.defaultDocker !== undefined) {
        throw new OciError(
          ErrorCode.INVALID_DOCUMENT,
          `"default-docker" is defined both in ${from.get('') ?? ''} and ${path}`,
          { data: { path } },
        );
      }
      merged.defaultDocker = config.defaultDocker;
      from.set('', path);
    }
    for (const [ns, entry] of config.docker) {
      if (merged.docker.has(ns)) {
        throw new OciError(
          ErrorCode.INVALID_DOCUMENT,
          `"docker" namespace ${JSON.stringify(ns)} is defined both in ${from.get(`/${ns}`) ?? ''} and ${path}`,
          { data: { path, namespace: ns } },
        );
      }
      merged.docker.set(ns, entry);
      from.set(`/${ns}`, path);
    }
  }
  return merged;
}

/** The entries that apply to `ref`, most specific first: its identity, its namespaces, `default-docker`. */
function entriesFor(config: RegistriesConfig, ref: Reference): RegistryNamespace[] {
  const out: RegistryNamespace[] = [];
  for (const name of [dockerIdentity(ref), ...dockerNamespaces(ref)]) {
    const entry = config.docker.get(name);
    if (entry !== undefined) out.push(entry);
  }
  if (config.defaultDocker !== undefined) out.push(config.defaultDocker);
  return out;
}

/**
 * The lookaside base URL for `ref` (without the repository path): for writing, the first entry
 * with `lookaside-staging` / `sigstore-staging` / `lookaside` / `sigstore`; for reading, with
 * `lookaside` / `sigstore`. Undefined when no entry gives one.
 */
export function lookasideBase(config: RegistriesConfig, ref: Reference, write: boolean): string | undefined {
  for (const entry of entriesFor(config, ref)) {
    const url = write
      ? entry['lookaside-staging'] || entry['sigstore-staging'] || entry.lookaside || entry.sigstore
      : entry.lookaside || entry.sigstore;
    if (url) return url;
  }
  return undefined;
}

/** Whether cosign-style attachments are read and written for `ref` (the first entry that says; default false). */
export function useSigstoreAttachments(config: RegistriesConfig, ref: Reference): boolean {
  for (const entry of entriesFor(config, ref)) {
    const value = entry['use-sigstore-attachments'];
    if (value !== undefined) return value;
  }
  return false;
}
