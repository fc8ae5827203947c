/**
 * The model of registries.conf (containers-registries.conf(5), version 2) once its files are read
 * and merged: what the registry transport consults to remap, block, mirror and qualify names.
 */

/** The `credential-helpers` entry that stands for the auth files (containers-auth.json(5)). */
export const AUTH_FILES_HELPER = 'containers-auth.json';

/** A credential helper name: one that can only name `docker-credential-NAME` on PATH. */
export const CREDENTIAL_HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** How short names are resolved when several search registries could hold them. */
export type ShortNameMode = 'enforcing' | 'permissive' | 'disabled';

/** Which pulls a mirror serves (`pull-from-mirror`). */
export type PullFromMirror = 'all' | 'digest-only' | 'tag-only';

/** One `[[registry.mirror]]`. */
export interface MirrorEntry {
  /** `host[:port][/path]` the mirror is reached at. */
  readonly location: string;
  readonly insecure: boolean;
  readonly pullFromMirror: PullFromMirror;
}

/** One `[[registry]]`, with the file it came from (for messages). */
export interface RegistryEntry {
  /** `host[:port][/path]`, or `*.domain` (a wildcard over subdomains). */
  readonly prefix: string;
  /**
   * Where names under the prefix really live (`host[:port][/path]`); empty for a wildcard without
   * one. A wildcard's location replaces the matched host, its port and path kept (containers/image).
   */
  readonly location: string;
  readonly insecure: boolean;
  readonly blocked: boolean;
  readonly mirrorByDigestOnly: boolean;
  readonly mirrors: readonly MirrorEntry[];
  /** The file that defined the entry. */
  readonly file: string;
}

/** An `[aliases]` entry: a short name and the fully-qualified name it stands for. */
export interface AliasEntry {
  /** Empty in one file's entries to remove the alias an earlier file set; never empty once merged. */
  readonly target: string;
  readonly file: string;
}

/** The merged configuration; {@link EMPTY_REGISTRIES_CONF} when no file exists. */
export interface RegistriesConf {
  /** The files read, in the order applied. */
  readonly files: readonly string[];
  readonly registries: readonly RegistryEntry[];
  /** `unqualified-search-registries`: where a short name is looked for, in order. */
  readonly searchRegistries: readonly string[];
  readonly shortNameMode: ShortNameMode;
  readonly aliases: ReadonlyMap<string, AliasEntry>;
  /**
   * `credential-helpers`: where credentials are looked for, in order; `containers-auth.json` stands
   * for the auth files, any other name for the program `docker-credential-NAME`.
   */
  readonly credentialHelpers: readonly string[];
}

/** The configuration when no registries.conf exists: Docker Hub for short names, nothing remapped. */
export const EMPTY_REGISTRIES_CONF: RegistriesConf = {
  files: [],
  registries: [],
  searchRegistries: [],
  shortNameMode: 'permissive',
  aliases: new Map(),
  credentialHelpers: [AUTH_FILES_HELPER],
};
