/**
 * Repository names and references as URL path parts (distribution-spec spec.md "Pulling manifests":
 * `<name>` and `<reference>` grammars). A name is checked against the grammar before it names a
 * folder, so `..`, `%2e%2e`, absolute paths and empty components never reach the filesystem.
 */
import { SpecCode, serveError } from './errors.ts';

/** spec.md: `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*`. */
const NAME = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
/** spec.md: a tag is `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`. */
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
/** Longest repository name accepted (spec.md: clients keep host + name under 255 characters). */
export const MAX_NAME_LENGTH = 255;
/**
 * Components that a repository may not use: each is a file or folder of the layout of the
 * repository above it (image-layout.md), so `org/blobs` would write into `org`'s blobs.
 */
const RESERVED = new Set(['blobs', 'index.json', 'oci-layout', 'index.json.lock']);

/** True when `value` is a repository name the server serves. */
export function isRepositoryName(value: string): boolean {
  if (value.length > MAX_NAME_LENGTH || !NAME.test(value)) return false;
  return !value.split('/').some((part) => RESERVED.has(part));
}

/** Throws NAME_INVALID (400) unless `value` is a repository name the server serves. */
export function checkRepositoryName(value: string): string {
  if (!isRepositoryName(value)) {
    throw serveError(SpecCode.NAME_INVALID, 400, 'invalid repository name', {
      name: value.slice(0, 300),
    });
  }
  return value;
}

/** True when `value` matches the tag grammar of spec.md. */
export function isTag(value: string): boolean {
  return TAG.test(value);
}
