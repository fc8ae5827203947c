/**
 * Finding and reading registries.conf as containers/image does (containers-registries.conf(5)):
 * an explicit file (`--registries-conf`) or `$CONTAINERS_REGISTRIES_CONF` alone; otherwise
 * `$HOME/.config/containers/registries.conf` if it exists, else `/etc/containers/registries.conf`,
 * then the drop-ins of `/etc/containers/registries.conf.d/` and `$HOME/.config/containers/registries.conf.d/`
 * (`*.conf`, in name order). A later file replaces the registries it names by prefix, the search
 * registries and mode when it sets them, and the aliases it lists.
 */
import { closeSync, constants, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { ErrorCode, OciError } from '../../../errors/index.ts';
import { type ConfFile, validateConfFile } from './schema.ts';
import { type AliasEntry, EMPTY_REGISTRIES_CONF, type RegistriesConf, type RegistryEntry } from './types.ts';

/** A registries.conf file larger than this is refused before it is parsed. */
export const MAX_CONF_BYTES = 1024 * 1024;
/** At most this many drop-in files are read from one `registries.conf.d` folder. */
export const MAX_DROP_INS = 256;

/** Where {@link loadRegistriesConf} looks. */
export interface RegistriesConfOptions {
  /** The only file read (`--registries-conf`); a missing file is NOT_FOUND. */
  file?: string;
  /** Prefixed to `/etc/...` (default `/`), for tests and chroots. */
  root?: string;
  /** The home folder holding `.config/containers/` (default `$HOME`). */
  home?: string;
  /** The environment read for `CONTAINERS_REGISTRIES_CONF` (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

/**
 * The bytes of `file`, or undefined when it does not exist; TOO_LARGE past {@link MAX_CONF_BYTES}.
 * Read synchronously on purpose: registries.conf is a small local file, read again for each image
 * a command pulls (a sync: every image, and its signatures), and the four promise round trips of
 * an asynchronous read (open, stat, read, close) cost far more CPU than the read itself (their
 * share showed in a sync's profile).
 */
async function readCapped(file: string): Promise<string | undefined> {
  let fd: number;
  try {
    // Non-blocking, so that a FIFO put there is refused below instead of blocking the process.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new OciError(ErrorCode.IO_ERROR, `${file}: cannot read: ${(err as Error).message}`, { cause: err });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile())
      throw new OciError(ErrorCode.INVALID_ARGUMENT, `${file}: not a regular file`, { data: { file } });
    // Sized by the file (a byte more, to see it grow), not by the cap: zero-filling a megabyte for
    // each read showed too. A file that grew past that guess is read again with the whole cap.
    let buffer = Buffer.alloc(Math.min(stat.size, MAX_CONF_BYTES) + 1);
    let bytesRead = readSync(fd, buffer, 0, buffer.length, 0);
    if (bytesRead === buffer.length && buffer.length <= MAX_CONF_BYTES) {
      buffer = Buffer.alloc(MAX_CONF_BYTES + 1);
      bytesRead = readSync(fd, buffer, 0, buffer.length, 0);
    }
    if (bytesRead > MAX_CONF_BYTES)
      throw new OciError(
        ErrorCode.INVALID_ARGUMENT,
        `${file}: too large (more than ${MAX_CONF_BYTES} bytes)`,
        {
          data: { file },
        },
      );
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * The last file parsed at each path, with its text: a command reads registries.conf for the
 * image's pull plan, then again for its signatures (and a sync for every image), and the TOML
 * parse and validation of the system file cost milliseconds each time. Kept only while the file's
 * text is unchanged, so a long-running program sees edits at once.
 */
const parsed = new Map<string, { source: string; conf: ConfFile }>();
/** Characters of text held by {@link parsed}, and the most it holds. */
let cachedBytes = 0;
const MAX_CACHED_BYTES = 4 * MAX_CONF_BYTES;

/** Reads and validates one file; undefined when it does not exist. */
async function readConfFile(file: string): Promise<ConfFile | undefined> {
  const source = await readCapped(file);
  if (source === undefined) return undefined;
  const known = parsed.get(file);
  if (known?.source === source) return known.conf;
  const conf = Object.freeze(parseConfFile(file, source));
  // Bounded by the text kept: a long-running program reading many large files starts afresh.
  cachedBytes += source.length - (known?.source.length ?? 0);
  if (cachedBytes > MAX_CACHED_BYTES) {
    parsed.clear();
    cachedBytes = source.length;
  }
  parsed.set(file, { source, conf });
  return conf;
}

/** Parses and validates the text `source` of registries.conf file `file`. */
function parseConfFile(file: string, source: string): ConfFile {
  let document: unknown;
  try {
    document = parse(source);
  } catch (err) {
    const where = err instanceof TomlError ? ` at line ${err.line}, column ${err.column}` : '';
    const reason = (err as Error).message.split('\n')[0];
    throw new OciError(ErrorCode.INVALID_ARGUMENT, `${file}: invalid TOML${where}: ${reason}`, {
      data: { file },
      cause: err,
    });
  }
  return validateConfFile(file, document);
}

/** The `*.conf` files of `dir` in name order (none when it does not exist). */
function dropIns(dir: string): string[] {
  let names: string[];
  try {
    // Synchronously, as readCapped reads the files: a small local folder, listed for every image.
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR')
      return [];
    throw new OciError(ErrorCode.IO_ERROR, `${dir}: cannot list: ${(err as Error).message}`, { cause: err });
  }
  const confs = names.filter((n) => n.endsWith('.conf')).sort();
  if (confs.length > MAX_DROP_INS)
    throw new OciError(ErrorCode.INVALID_ARGUMENT, `${dir}: more than ${MAX_DROP_INS} drop-in files`, {
      data: { file: dir },
    });
  return confs.map((n) => join(dir, n));
}

/** The files to read, in order: the main file (explicit, user or system), then the drop-ins. */
async function candidateFiles(
  options: RegistriesConfOptions,
): Promise<{ main: string[]; dropIns: string[] }> {
  if (options.file !== undefined) return { main: [options.file], dropIns: [] };
  const env = options.env ?? process.env;
  const fromEnv = env.CONTAINERS_REGISTRIES_CONF;
  if (fromEnv !== undefined && fromEnv !== '') return { main: [fromEnv], dropIns: [] };
  const root = options.root ?? '/';
  const home = options.home ?? env.HOME ?? homedir();
  const userFile = join(home, '.config/containers/registries.conf');
  const systemFile = join(root, 'etc/containers/registries.conf');
  return {
    main: [userFile, systemFile],
    dropIns: [
      ...dropIns(join(root, 'etc/containers/registries.conf.d')),
      ...dropIns(join(home, '.config/containers/registries.conf.d')),
    ],
  };
}

/**
 * The merged registries.conf (see the module comment); {@link EMPTY_REGISTRIES_CONF} when no file
 * exists. INVALID_ARGUMENT naming the file for malformed TOML, wrong types, bad prefixes or
 * locations, or a file over {@link MAX_CONF_BYTES}; NOT_FOUND when an explicit file is missing.
 */
export async function loadRegistriesConf(options: RegistriesConfOptions = {}): Promise<RegistriesConf> {
  const { main, dropIns: extra } = await candidateFiles(options);
  const files: string[] = [];
  const registries = new Map<string, RegistryEntry>();
  const aliases = new Map<string, AliasEntry>();
  let searchRegistries: readonly string[] = EMPTY_REGISTRIES_CONF.searchRegistries;
  let shortNameMode = EMPTY_REGISTRIES_CONF.shortNameMode;
  let credentialHelpers = EMPTY_REGISTRIES_CONF.credentialHelpers;
  const apply = (file: string, conf: ConfFile) => {
    files.push(file);
    for (const entry of conf.registries) registries.set(entry.prefix, entry);
    for (const [name, alias] of conf.aliases) {
      if (alias.target === '') aliases.delete(name);
      else aliases.set(name, alias);
    }
    if (conf.searchRegistries !== undefined) searchRegistries = conf.searchRegistries;
    if (conf.shortNameMode !== undefined) shortNameMode = conf.shortNameMode;
    if (conf.credentialHelpers !== undefined) credentialHelpers = conf.credentialHelpers;
  };
  for (const file of main) {
    const conf = await readConfFile(file);
    if (conf !== undefined) {
      apply(file, conf);
      break;
    }
    if (options.file !== undefined || main.length === 1)
      throw new OciError(ErrorCode.NOT_FOUND, `registries configuration ${file} not found`, {
        data: { file },
      });
  }
  for (const file of extra) {
    const conf = await readConfFile(file);
    if (conf?.version1 === true)
      throw new OciError(
        ErrorCode.INVALID_ARGUMENT,
        `${file}: a drop-in file must use the version 2 format ([[registry]], unqualified-search-registries), not [registries.search], [registries.insecure] or [registries.block]`,
        { data: { file } },
      );
    if (conf !== undefined) apply(file, conf);
  }
  if (files.length === 0) return EMPTY_REGISTRIES_CONF;
  return {
    files,
    // In prefix order, as containers/image keeps them: of two prefixes of one length that both
    // match, the first in that order wins (`*.example` before `a.example`).
    registries: [...registries.values()].sort((a, b) =>
      a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0,
    ),
    searchRegistries,
    shortNameMode,
    aliases,
    credentialHelpers,
  };
}
