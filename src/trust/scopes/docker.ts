/**
 * The names under which configuration finds a registry image, most specific first, as the
 * containers tools compute them (containers/image `docker/policyconfiguration`): used for
 * policy.json scopes of the `docker` transport and for registries.d namespaces.
 */
import { formatName, type Reference } from '../../reference/index.ts';

/** `registry/repo:tag`, or `registry/repo@digest` when there is no tag (the digest wins over nothing). */
export function dockerIdentity(ref: Reference): string {
  if (ref.tag !== undefined) return `${formatName(ref)}:${ref.tag}`;
  if (ref.digest !== undefined) return `${formatName(ref)}@${ref.digest}`;
  return `${formatName(ref)}:latest`;
}

/**
 * The repository, each parent namespace, the registry (port included), then `*.domain` wildcards
 * for each parent domain: `a.example.com:5000/ns/app` → `a.example.com:5000/ns/app`,
 * `a.example.com:5000/ns`, `a.example.com:5000`, `*.example.com`, `*.com`.
 */
export function dockerNamespaces(ref: Reference): string[] {
  const out: string[] = [];
  let name = formatName(ref);
  for (;;) {
    out.push(name);
    const slash = name.lastIndexOf('/');
    if (slash === -1) break;
    name = name.slice(0, slash);
  }
  const colon = name.indexOf(':');
  if (colon !== -1) name = name.slice(0, colon);
  for (;;) {
    const dot = name.indexOf('.');
    if (dot === -1) break;
    name = name.slice(dot + 1);
    out.push(`*.${name}`);
  }
  return out;
}
