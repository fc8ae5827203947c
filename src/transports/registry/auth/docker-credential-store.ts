/**
 * The CredentialStore backed by Docker's `config.json`: `credHelpers` (per registry) and
 * `credsStore` (for all) route to `docker-credential-*` programs; otherwise `auths` holds
 * `base64(user:password)` or an `identitytoken`. Compatible with files Docker writes and reads.
 */
import { ErrorCode, OciError } from '../../../errors/index.ts';
import { helperErase, helperGet, helperStore } from './credential-helper.ts';
import { type Credential, type CredentialStore, IDENTITY_TOKEN_USER } from './credentials.ts';
import {
  type DockerAuthEntry,
  type DockerConfig,
  dockerConfigPath,
  loginRemedy,
  readDockerConfig,
  writeDockerConfig,
} from './docker-config.ts';
import { credentialKey, hostOfKey } from './server-key.ts';

/** Options of {@link createDockerCredentialStore}. */
export interface DockerCredentialStoreOptions {
  /** The config file; default from `env` (`$DOCKER_CONFIG/config.json` or `~/.docker/config.json`). */
  configPath?: string;
  /** Environment for the config location and for helper programs (their PATH); default `process.env`. */
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
}

/** The helper configured for `host`: a matching `credHelpers` entry, else `credsStore`, else none. */
export function helperFor(config: DockerConfig, host: string): string | undefined {
  const wanted = hostOfKey(host);
  for (const [key, helper] of Object.entries(config.credHelpers ?? {})) {
    if (hostOfKey(key) === wanted && helper !== '') return helper;
  }
  return config.credsStore !== undefined && config.credsStore !== '' ? config.credsStore : undefined;
}

/**
 * The `auths` keys that name `host`: the host exactly as asked for first (containers/image prefers
 * an exact key, so a `docker.io` entry podman wrote wins over Docker's `https://index.docker.io/v1/`
 * in the same file), then the canonical key, then any other spelling of the host.
 */
function matchingKeys(config: DockerConfig, host: string): string[] {
  const auths = config.auths ?? {};
  const wanted = hostOfKey(host);
  const first = [host, credentialKey(host)].filter(
    (k, i, all) => Object.hasOwn(auths, k) && all.indexOf(k) === i,
  );
  const rest = Object.keys(auths).filter((k) => !first.includes(k) && hostOfKey(k) === wanted);
  return [...first, ...rest];
}

/** Decodes one `auths` entry; the error names the file and key, never the content. */
function decodeEntry(path: string, key: string, entry: DockerAuthEntry): Credential | undefined {
  let username = entry.username ?? '';
  let password = entry.password;
  if (entry.auth !== undefined && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) {
      throw new OciError(
        ErrorCode.INVALID_DOCUMENT,
        `Docker config file ${path}: "auth" of ${key} is not base64 of user:password`,
        {
          data: { path, key },
        },
      );
    }
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  }
  const identityToken =
    entry.identitytoken !== undefined && entry.identitytoken !== '' ? entry.identitytoken : undefined;
  if (identityToken !== undefined) return { username, identityToken, ...(password ? { password } : {}) };
  if (password === undefined || (username === '' && password === '')) return undefined;
  return { username, password };
}

/** Creates the CredentialStore of Docker's `config.json` and its credential helpers. */
export function createDockerCredentialStore(options: DockerCredentialStoreOptions = {}): CredentialStore {
  const env = options.env ?? process.env;
  const path = options.configPath ?? dockerConfigPath(env);
  const helperOptions = { env, ...(options.signal ? { signal: options.signal } : {}) };

  return {
    async get(host) {
      const config = await readDockerConfig(path);
      const helper = helperFor(config, host);
      const remedy = loginRemedy(hostOfKey(host), path, env);
      if (helper !== undefined) {
        const fromHelper = await helperGet(helper, credentialKey(host), helperOptions);
        if (fromHelper !== undefined) {
          const description = `from credential helper docker-credential-${helper} (configured in ${path})`;
          return { ...fromHelper, source: { description, remedy } };
        }
      }
      for (const key of matchingKeys(config, host)) {
        const entry = config.auths?.[key];
        const credential = entry === undefined ? undefined : decodeEntry(path, key, entry);
        if (credential !== undefined)
          return { ...credential, source: { description: `from ${path}`, remedy } };
      }
      return undefined;
    },

    async store(host, user, secret) {
      const config = await readDockerConfig(path);
      const key = credentialKey(host);
      const helper = helperFor(config, host);
      const auths: Record<string, DockerAuthEntry> = { ...(config.auths ?? {}) };
      for (const stale of matchingKeys(config, host)) delete auths[stale];
      if (helper !== undefined) {
        await helperStore(helper, key, user, secret, helperOptions);
        auths[key] = {}; // as Docker does: the entry says "logged in", the helper holds the secret
      } else if (user === IDENTITY_TOKEN_USER) {
        auths[key] = { identitytoken: secret };
      } else {
        auths[key] = { auth: Buffer.from(`${user}:${secret}`, 'utf8').toString('base64') };
      }
      await writeDockerConfig(path, { ...config, auths });
    },

    async erase(host) {
      const config = await readDockerConfig(path);
      const helper = helperFor(config, host);
      let removed = false;
      if (helper !== undefined) removed = await helperErase(helper, credentialKey(host), helperOptions);
      const stale = matchingKeys(config, host);
      if (stale.length > 0) {
        const auths: Record<string, DockerAuthEntry> = { ...(config.auths ?? {}) };
        for (const key of stale) {
          const entry = auths[key];
          if (entry !== undefined && decodeEntrySafe(entry)) removed = true;
          delete auths[key];
        }
        await writeDockerConfig(path, { ...config, auths });
      }
      return removed;
    },
  };
}

/** Whether an entry holds any secret (an empty `{}` left by a helper login does not). */
function decodeEntrySafe(entry: DockerAuthEntry): boolean {
  return Boolean(entry.auth || entry.password || entry.identitytoken);
}
