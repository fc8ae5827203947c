/** Which tags of a repository a sync selects: by pattern (skopeo's `images-by-tag-regex`) or by semver range (`images-by-semver`). */
import semver from 'semver';
import { ErrorCode, OciError } from '../../errors/index.ts';

/** The tags that match `pattern` anywhere (unanchored, as Go's `MatchString`); INVALID_ARGUMENT for a pattern that does not compile. */
export function tagsMatching(tags: readonly string[], pattern: string, where: string): string[] {
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, 'u');
  } catch (err) {
    throw new OciError(
      ErrorCode.INVALID_ARGUMENT,
      `${where}: invalid tag pattern ${JSON.stringify(pattern)}: ${(err as Error).message}`,
    );
  }
  return tags.filter((tag) => regex.test(tag));
}

/**
 * The tags that are versions (a leading `v` allowed) satisfying `range`; tags that are no version
 * are left out, and pre-releases only match a range that names one. INVALID_ARGUMENT for a range
 * that does not parse.
 */
export function tagsInRange(tags: readonly string[], range: string, where: string): string[] {
  const parsed = semver.validRange(range, { loose: true });
  if (parsed === null)
    throw new OciError(ErrorCode.INVALID_ARGUMENT, `${where}: invalid semver range ${JSON.stringify(range)}`);
  return tags.filter((tag) => {
    const version = semver.parse(tag, { loose: true });
    return version !== null && semver.satisfies(version, parsed, { loose: true });
  });
}
