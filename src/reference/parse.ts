/**
 * Parsing image references with Docker's normalisation (distribution/reference
 * `ParseNormalizedNamed`): `ubuntu` is `docker.io/library/ubuntu`, `foo/bar` is `docker.io/foo/bar`.
 */
import type { Digest } from '../digest/index.ts';
import { parseSupportedDigest } from '../digest/index.ts';
import { ErrorCode, isOciError } from '../errors/index.ts';
import { invalidReference } from './errors.ts';
import {
  DEFAULT_REGISTRY,
  DOMAIN,
  IDENTIFIER,
  LEGACY_DEFAULT_REGISTRY,
  MAX_REPOSITORY_LENGTH,
  OFFICIAL_REPO_PREFIX,
  REMAINDER,
  REPOSITORY,
  TAG,
} from './grammar.ts';
import type { Reference } from './types.ts';

/**
 * Longest input looked at. A valid reference is far shorter (domain ≤ 253 + port, path ≤ 255,
 * tag ≤ 128, digest ≈ 135); refusing longer input first bounds the regex work on hostile strings.
 */
const MAX_INPUT_LENGTH = 2048;

/**
 * distribution/reference `splitDockerDomain`: the first component is a domain when it contains
 * `.` or `:`, is `localhost`, or has an uppercase letter; otherwise the name is on Docker Hub.
 */
function splitDockerDomain(name: string): { domain: string; remainder: string } {
  const slash = name.indexOf('/');
  let domain: string;
  let remainder: string;
  const first = slash === -1 ? '' : name.slice(0, slash);
  if (slash === -1 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = DEFAULT_REGISTRY;
    remainder = name;
  } else {
    domain = first;
    remainder = name.slice(slash + 1);
  }
  if (domain === LEGACY_DEFAULT_REGISTRY) domain = DEFAULT_REGISTRY;
  if (domain === DEFAULT_REGISTRY && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder;
  return { domain, remainder };
}

function checkDigest(input: string, value: string): Digest {
  try {
    return parseSupportedDigest(value).digest;
  } catch (err) {
    // An unimplemented algorithm keeps its own code (UNSUPPORTED_DIGEST, go-digest ErrDigestUnsupported);
    // a malformed digest makes the whole reference invalid.
    if (isOciError(err, ErrorCode.UNSUPPORTED_DIGEST)) throw err;
    throw invalidReference(input, `invalid digest ${JSON.stringify(value)}`, err);
  }
}

function checkLength(input: string, repository: string): void {
  if (repository.length > MAX_REPOSITORY_LENGTH) {
    throw invalidReference(
      input,
      `repository name must not be more than ${MAX_REPOSITORY_LENGTH} characters`,
    );
  }
}

/**
 * Parses an image reference with Docker's normalisation (`ParseNormalizedNamed`): Docker Hub names
 * get registry `docker.io` (also for `index.docker.io`) and `library/` for one-component paths.
 * A reference may carry both a tag and a digest. Throws INVALID_REFERENCE (empty, malformed,
 * uppercase path, path over 255 characters, bare 64-hex image ID, malformed digest) or
 * UNSUPPORTED_DIGEST (well-formed digest of an algorithm ocikit cannot verify).
 */
export function parseReference(input: string): Reference {
  if (typeof input !== 'string') throw invalidReference(String(input), 'must be a string');
  if (input === '') throw invalidReference(input, 'repository name must have at least one component');
  if (input.length > MAX_INPUT_LENGTH) {
    throw invalidReference(input, `invalid reference format: longer than ${MAX_INPUT_LENGTH} characters`);
  }
  if (IDENTIFIER.test(input)) {
    throw invalidReference(input, 'invalid repository name: cannot specify 64-byte hexadecimal strings');
  }
  const { domain, remainder } = splitDockerDomain(input);
  const colon = remainder.indexOf(':');
  const remote = colon === -1 ? remainder : remainder.slice(0, colon);
  if (remote.toLowerCase() !== remote) {
    throw invalidReference(input, 'invalid reference format: repository name must be lowercase');
  }
  if (!DOMAIN.test(domain)) throw invalidReference(input, 'invalid reference format');
  const match = REMAINDER.exec(remainder);
  if (match === null) throw invalidReference(input, 'invalid reference format');
  const repository = match[1] as string;
  checkLength(input, repository);
  const tag = match[2];
  const digest = match[3] === undefined ? undefined : checkDigest(input, match[3]);
  return {
    registry: domain,
    repository,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  };
}

/** Returns `tag` when it matches `[\w][\w.-]{0,127}`; throws INVALID_REFERENCE otherwise. */
export function validateTag(tag: string): string {
  if (typeof tag !== 'string' || !TAG.test(tag)) {
    throw invalidReference(String(tag), 'invalid tag: must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}');
  }
  return tag;
}

/**
 * Returns `name` when it is a valid repository path (lowercase path components separated by `/`,
 * at most 255 characters); throws INVALID_REFERENCE otherwise.
 */
export function validateRepository(name: string): string {
  if (typeof name !== 'string' || name === '') {
    throw invalidReference(String(name), 'repository name must have at least one component');
  }
  checkLength(name, name);
  if (!REPOSITORY.test(name)) {
    const reason = REPOSITORY.test(name.toLowerCase())
      ? 'repository name must be lowercase'
      : 'invalid repository name';
    throw invalidReference(name, reason);
  }
  return name;
}

/** Returns `registry` when it is a valid `host[:port]`; throws INVALID_REFERENCE otherwise. */
export function validateRegistry(registry: string): string {
  if (typeof registry !== 'string' || !DOMAIN.test(registry) || registry.length > MAX_INPUT_LENGTH) {
    throw invalidReference(String(registry), 'invalid registry: must be host[:port]');
  }
  return registry;
}

/**
 * Normalises a reference: a string is parsed with {@link parseReference}; a reference object is
 * validated part by part and brought to the same normal form (empty or `index.docker.io`
 * registry → `docker.io`, `library/` for Docker Hub one-component paths). Throws as
 * {@link parseReference} does.
 */
export function normalizeReference(input: string | Reference): Reference {
  if (typeof input === 'string') return parseReference(input);
  let registry = input.registry === '' || input.registry === undefined ? DEFAULT_REGISTRY : input.registry;
  if (registry === LEGACY_DEFAULT_REGISTRY) registry = DEFAULT_REGISTRY;
  validateRegistry(registry);
  let repository = input.repository;
  if (registry === DEFAULT_REGISTRY && typeof repository === 'string' && !repository.includes('/')) {
    repository = OFFICIAL_REPO_PREFIX + repository;
  }
  validateRepository(repository);
  const tag = input.tag === undefined ? undefined : validateTag(input.tag);
  const digest = input.digest === undefined ? undefined : checkDigest(input.digest, input.digest);
  return {
    registry,
    repository,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  };
}
