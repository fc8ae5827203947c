/** Validation of what goes into request paths (distribution-spec "Pulling manifests": name and reference grammars). */
import { isDigest } from '../../digest/index.ts';
import { ErrorCode, OciError } from '../../errors/index.ts';

const NAME = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

/** Throws INVALID_REFERENCE unless `name` is a repository name of distribution-spec §"Pulling manifests". */
export function checkRepository(name: string): string {
  if (name.length > 255 || !NAME.test(name)) {
    throw new OciError(
      ErrorCode.INVALID_REFERENCE,
      `invalid repository name ${JSON.stringify(name.slice(0, 300))}`,
    );
  }
  return name;
}

/** True when `tag` matches the tag grammar `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`. */
export function isTag(tag: string): boolean {
  return TAG.test(tag);
}

/** Throws INVALID_REFERENCE unless `reference` is a tag or a digest (the `<reference>` path segment). */
export function checkTagOrDigest(reference: string): string {
  if (!isTag(reference) && !isDigest(reference)) {
    throw new OciError(
      ErrorCode.INVALID_REFERENCE,
      `invalid tag or digest ${JSON.stringify(reference.slice(0, 300))}`,
    );
  }
  return reference;
}
