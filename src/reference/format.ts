/** Writing references back out: full form, familiar (Docker CLI) form, default tag. */
import { DEFAULT_REGISTRY, DEFAULT_TAG, OFFICIAL_REPO_PREFIX } from './grammar.ts';
import type { Reference } from './types.ts';

/** `registry/repository`, the full name without tag or digest. */
export function formatName(ref: Reference): string {
  return `${ref.registry}/${ref.repository}`;
}

/** The full form `registry/repository[:tag][@digest]`; parses back to an equal reference. */
export function formatReference(ref: Reference): string {
  return (
    formatName(ref) +
    (ref.tag === undefined ? '' : `:${ref.tag}`) +
    (ref.digest === undefined ? '' : `@${ref.digest}`)
  );
}

/**
 * The Docker CLI short name (distribution/reference `FamiliarName`): `docker.io/` is dropped, and
 * `library/` too when what remains has no `/` (`docker.io/library/redis` → `redis`). Unlike
 * distribution/reference, `docker.io/` is kept when the first path component would read as a
 * domain (`docker.io/a.b/c`), so the familiar form always parses back to the same reference.
 */
export function familiarName(ref: Reference): string {
  if (ref.registry !== DEFAULT_REGISTRY) return formatName(ref);
  if (ref.repository.startsWith(OFFICIAL_REPO_PREFIX)) {
    const rest = ref.repository.slice(OFFICIAL_REPO_PREFIX.length);
    if (!rest.includes('/')) return rest;
  }
  const first = ref.repository.split('/')[0] ?? '';
  if (/[.:]/.test(first) || first === 'localhost') return formatName(ref);
  return ref.repository;
}

/** {@link familiarName} with the tag and digest (`FamiliarString`), e.g. `redis:7`. */
export function familiarString(ref: Reference): string {
  return (
    familiarName(ref) +
    (ref.tag === undefined ? '' : `:${ref.tag}`) +
    (ref.digest === undefined ? '' : `@${ref.digest}`)
  );
}

/** distribution/reference `TagNameOnly`: adds tag `latest` when there is neither tag nor digest. */
export function withDefaultTag(ref: Reference): Reference {
  if (ref.tag !== undefined || ref.digest !== undefined) return ref;
  return { ...ref, tag: DEFAULT_TAG };
}

/**
 * What a pull resolves (distribution/reference `ParseDockerRef`): the digest alone when there is
 * one (a tag beside it is ignored), else the tag, `latest` by default.
 */
export function resolvableReference(ref: Reference): Reference {
  if (ref.digest !== undefined)
    return { registry: ref.registry, repository: ref.repository, digest: ref.digest };
  return withDefaultTag(ref);
}
