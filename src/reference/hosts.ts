/** Where a registry name leads: the API host to contact and whether plain HTTP is the default. */
import { isIPv6 } from 'node:net';
import { DEFAULT_REGISTRY, LEGACY_DEFAULT_REGISTRY } from './grammar.ts';

/** The host serving Docker Hub's registry API (containerd `DefaultHost`). */
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';

/** The host[:port] to send registry API requests to: Docker Hub's API host for `docker.io`. */
export function apiHost(registry: string): string {
  return registry === DEFAULT_REGISTRY || registry === LEGACY_DEFAULT_REGISTRY
    ? DOCKER_HUB_API_HOST
    : registry;
}

/** Splits `host[:port]` (IPv6 in brackets) and returns the host part without brackets, lowercased. */
function hostOf(registry: string): string {
  if (registry.startsWith('[')) {
    const end = registry.indexOf(']');
    return end === -1 ? registry.toLowerCase() : registry.slice(1, end).toLowerCase();
  }
  const colon = registry.indexOf(':');
  return (colon === -1 ? registry : registry.slice(0, colon)).toLowerCase();
}

function isLoopbackIpv4(host: string): boolean {
  const parts = host.split('.');
  if (parts.length !== 4) return false;
  if (!parts.every((p) => /^[0-9]{1,3}$/.test(p) && Number(p) <= 255)) return false;
  return parts[0] !== undefined && Number(parts[0]) === 127;
}

function isLoopbackIpv6(host: string): boolean {
  if (!isIPv6(host) || !URL.canParse(`http://[${host}]/`)) return false;
  // The WHATWG URL parser writes every spelling of ::1 (0:0:0:0:0:0:0:1, ::0:1...) as [::1].
  return new URL(`http://[${host}]/`).hostname === '[::1]';
}

/**
 * True when plain HTTP is the default for `registry` (DESIGN §3): `localhost`, any `127.0.0.0/8`
 * address and `[::1]`, with or without a port. Every other registry needs HTTPS unless the caller
 * explicitly asks for insecure access.
 */
export function isInsecureHost(registry: string): boolean {
  const host = hostOf(registry);
  return host === 'localhost' || isLoopbackIpv4(host) || isLoopbackIpv6(host);
}
