/**
 * Keys of Docker's `config.json` `auths` and of credential helpers: Docker Hub is filed under
 * `https://index.docker.io/v1/` (spec-checklist §4.12 item 8); other registries under `host[:port]`,
 * and older files may carry a scheme or a path, which lookups ignore.
 */

/** The key Docker uses for Docker Hub credentials. */
export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

const HUB_ALIASES = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
]);

/** The `host[:port]` a key names: scheme and path dropped, lower-cased, Hub aliases folded to `docker.io`. */
export function hostOfKey(key: string): string {
  let host = key.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = host.indexOf('/');
  if (slash >= 0) host = host.slice(0, slash);
  host = host.toLowerCase();
  return HUB_ALIASES.has(host) ? 'docker.io' : host;
}

/** The key under which credentials for `host` are stored. */
export function credentialKey(host: string): string {
  const normal = hostOfKey(host);
  return normal === 'docker.io' ? DOCKER_HUB_KEY : normal;
}
