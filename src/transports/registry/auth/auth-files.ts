/**
 * The auth files credentials are read from, in containers/image's order (containers-auth.json(5),
 * `pkg/docker/config`): an auth file named by the caller (`--authfile`, else
 * `$REGISTRY_AUTH_FILE`) is the only one read; otherwise `$XDG_RUNTIME_DIR/containers/auth.json`
 * (`/run/containers/UID/auth.json` without `XDG_RUNTIME_DIR`), then
 * `$XDG_CONFIG_HOME/containers/auth.json` (`~/.config/...`), then Docker's `config.json`
 * (`$DOCKER_CONFIG` or `~/.docker`). The first file that holds credentials for the registry (in
 * `auths`, or through the credential helper it names) answers; the later ones are not read.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isOciError } from '../../../errors/index.ts';
import { AUTH_FILES_HELPER } from '../conf/types.ts';
import { helperErase, helperGet, helperStore as helperPut } from './credential-helper.ts';
import type { CredentialStore } from './credentials.ts';
import { defaultLoginFile, dockerConfigPath } from './docker-config.ts';
import { createDockerCredentialStore } from './docker-credential-store.ts';
import { hostOfKey } from './server-key.ts';

/** Options of {@link authFilePaths} and {@link createAuthFileStore}. */
export interface AuthFileOptions {
  /** The only auth file to read (`--authfile`); default `$REGISTRY_AUTH_FILE`, else the chain. */
  authFile?: string | undefined;
  /** Environment for the file locations and helper programs; default `process.env`. */
  env?: Record<string, string | undefined>;
  /**
   * registries.conf's `credential-helpers`, or how to read them when first needed: the stores
   * asked in order, `containers-auth.json` standing for the auth files. Default: the auth files.
   */
  credentialHelpers?: readonly string[] | (() => Promise<readonly string[]>);
}

const set = (value: string | undefined): value is string => value !== undefined && value !== '';

/** The auth files read for credentials, in order. */
export function authFilePaths(options: AuthFileOptions = {}): string[] {
  const env = options.env ?? process.env;
  if (set(options.authFile)) return [options.authFile];
  if (set(env.REGISTRY_AUTH_FILE)) return [env.REGISTRY_AUTH_FILE];
  const home = env.HOME || homedir();
  const paths: string[] = [];
  if (set(env.XDG_RUNTIME_DIR)) {
    // containers/image skips (with a warning) a runtime directory that does not exist.
    if (existsSync(env.XDG_RUNTIME_DIR)) paths.push(join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  } else if (typeof process.getuid === 'function') {
    paths.push(join('/run/containers', String(process.getuid()), 'auth.json'));
  }
  const configHome = set(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : join(home, '.config');
  paths.push(join(configHome, 'containers', 'auth.json'));
  paths.push(dockerConfigPath(env));
  return paths;
}

/** The store of the auth files alone (see {@link createAuthFileStore}). */
function authFilesStore(options: AuthFileOptions): CredentialStore {
  const env = options.env ?? process.env;
  const target = set(options.authFile) ? options.authFile : defaultLoginFile(env);
  const writer = createDockerCredentialStore({ configPath: target, env });
  return {
    async get(host) {
      for (const configPath of authFilePaths(options)) {
        const found = await createDockerCredentialStore({ configPath, env }).get(host);
        if (found !== undefined) return found;
      }
      return undefined;
    },
    store: (host, user, secret) => writer.store(host, user, secret),
    erase: (host) => writer.erase(host),
  };
}

/**
 * The store of one `credential-helpers` entry: the auth files, or a `docker-credential-*` program,
 * asked with the registry's host (`docker.io` for Docker Hub, as podman and skopeo ask these
 * helpers; Docker's own `credHelpers` in config.json get Docker's index URL instead).
 */
function helperStore(name: string, options: AuthFileOptions): CredentialStore {
  if (name === AUTH_FILES_HELPER) return authFilesStore(options);
  const helperOptions = { env: options.env ?? process.env };
  return {
    async get(host) {
      const found = await helperGet(name, hostOfKey(host), helperOptions);
      return found === undefined
        ? undefined
        : {
            ...found,
            source: {
              description: `from credential helper docker-credential-${name} (credential-helpers in registries.conf)`,
            },
          };
    },
    store: (host, user, secret) => helperPut(name, hostOfKey(host), user, secret, helperOptions),
    erase: (host) => helperErase(name, hostOfKey(host), helperOptions),
  };
}

/**
 * The CredentialStore reading the auth files of {@link authFilePaths}, each with its
 * `credHelpers`/`credsStore`; credentials it returns say which file or helper they came from.
 * Saving and erasing go to the file `ocikit login` uses: the named auth file, else
 * `$REGISTRY_AUTH_FILE`, else Docker's `config.json`.
 *
 * With registries.conf's `credential-helpers`, the stores it lists are asked in order, as
 * containers/image asks them: the first that holds a credential answers (one that fails is passed
 * over, and its error thrown only if none answers); saving goes to the first that accepts it;
 * erasing goes to every one.
 */
export function createAuthFileStore(options: AuthFileOptions = {}): CredentialStore {
  const given = options.credentialHelpers;
  let listed: Promise<readonly string[]> | undefined;
  const helpers = (): Promise<readonly string[]> =>
    (listed ??= typeof given === 'function' ? given() : Promise.resolve(given ?? [AUTH_FILES_HELPER]));
  const stores = async (): Promise<CredentialStore[]> =>
    (await helpers()).map((name) => helperStore(name, options));
  return {
    async get(host) {
      let failure: unknown;
      for (const store of await stores()) {
        try {
          const found = await store.get(host);
          if (found !== undefined) return found;
        } catch (err) {
          if (isOciError(err, 'ABORTED')) throw err;
          failure ??= err;
        }
      }
      if (failure !== undefined) throw failure;
      return undefined;
    },
    async store(host, user, secret) {
      let failure: unknown;
      for (const store of await stores()) {
        try {
          await store.store(host, user, secret);
          return;
        } catch (err) {
          failure ??= err;
        }
      }
      throw failure;
    },
    async erase(host) {
      // Every store is cleared, even after one fails; the first failure is reported at the end.
      let removed = false;
      let failure: unknown;
      for (const store of await stores()) {
        try {
          if (await store.erase(host)) removed = true;
        } catch (err) {
          failure ??= err;
        }
      }
      if (failure !== undefined) throw failure;
      return removed;
    },
  };
}
