/**
 * `oci-archive:FILE[:REF]` and `docker-archive:FILE[:NAME[:TAG]]` references (DESIGN.md §1.5),
 * and the Docker name normalisation `docker save` tags need (spec-checklist §6:
 * `busybox:latest` ≡ `docker.io/library/busybox:latest`).
 */
import { ErrorCode, OciError } from '../../errors/index.ts';
import { familiarName, formatName, parseReference, withDefaultTag } from '../../reference/index.ts';

/** A Docker repository name with a tag, in both full and familiar form. */
export interface DockerTaggedName {
  /** Full repository name, e.g. `docker.io/library/busybox`. */
  readonly repository: string;
  readonly tag: string;
  /** Full reference, e.g. `docker.io/library/busybox:latest`. */
  readonly full: string;
  /** Familiar reference as `docker save` writes it, e.g. `busybox:latest`. */
  readonly familiar: string;
  /** Familiar repository name, e.g. `busybox`. */
  readonly familiarRepository: string;
}

/** A parsed `oci-archive:` reference. */
export interface OciArchiveReference {
  readonly transport: 'oci-archive';
  readonly path: string;
  /** The `org.opencontainers.image.ref.name` to read or write, if given. */
  readonly ref?: string;
}

/** A parsed `docker-archive:` reference. */
export interface DockerArchiveReference {
  readonly transport: 'docker-archive';
  readonly path: string;
  /** The image to read (matched against RepoTags) or the tag to write, if given. */
  readonly name?: DockerTaggedName;
}

/** Either archive reference. */
export type ArchiveReference = OciArchiveReference | DockerArchiveReference;

// image-layout.md / annotations.md: grammar of org.opencontainers.image.ref.name.
const REF_NAME =
  /^[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*(?:\/[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*)*$/;

function invalidReference(input: string, why: string): OciError {
  return new OciError(ErrorCode.INVALID_REFERENCE, `invalid reference ${JSON.stringify(input)}: ${why}`, {
    data: { reference: input },
  });
}

/**
 * Parses `NAME[:TAG]` into a Docker tagged name, normalising `busybox` to
 * `docker.io/library/busybox` and a missing tag to `latest`. Digests are refused.
 */
export function parseDockerTaggedName(input: string): DockerTaggedName {
  const parsed = withDefaultTag(parseReference(input));
  if (parsed.digest !== undefined || parsed.tag === undefined) {
    throw invalidReference(input, 'a digest cannot name an archive image; use NAME:TAG');
  }
  const repository = formatName(parsed);
  const familiarRepository = familiarName(parsed);
  return {
    repository,
    tag: parsed.tag,
    full: `${repository}:${parsed.tag}`,
    familiar: `${familiarRepository}:${parsed.tag}`,
    familiarRepository,
  };
}

/** The same name normalised, or undefined when `input` is not a valid tagged name. */
export function tryDockerTaggedName(input: string): DockerTaggedName | undefined {
  try {
    return parseDockerTaggedName(input);
  } catch {
    return undefined;
  }
}

/** The two archive transports' names. */
export type ArchiveTransport = ArchiveReference['transport'];

/**
 * Parses `oci-archive:FILE[:REF]` or `docker-archive:FILE[:NAME[:TAG]]`. The file name ends at
 * the first `:` after the transport (as in skopeo). With `transport`, the prefix may be left out
 * (`FILE[:REF]`, as the transport table passes it). Throws INVALID_REFERENCE.
 */
export function parseArchiveReference(input: string, transport?: ArchiveTransport): ArchiveReference {
  if (transport !== undefined && !input.startsWith(`${transport}:`)) {
    return parseArchiveReference(`${transport}:${input}`);
  }
  const prefix = input.startsWith('oci-archive:')
    ? 'oci-archive'
    : input.startsWith('docker-archive:')
      ? 'docker-archive'
      : undefined;
  if (prefix === undefined)
    throw invalidReference(input, 'expected oci-archive:FILE[:REF] or docker-archive:FILE[:NAME:TAG]');
  const rest = input.slice(prefix.length + 1);
  const colon = rest.indexOf(':');
  const path = colon === -1 ? rest : rest.slice(0, colon);
  const tail = colon === -1 ? undefined : rest.slice(colon + 1);
  if (path === '') throw invalidReference(input, 'the archive file name is empty');
  if (prefix === 'oci-archive') {
    if (tail === undefined) return { transport: 'oci-archive', path };
    if (!REF_NAME.test(tail))
      throw invalidReference(input, `${JSON.stringify(tail)} is not a valid image ref name`);
    return { transport: 'oci-archive', path, ref: tail };
  }
  if (tail === undefined) return { transport: 'docker-archive', path };
  if (tail === '') throw invalidReference(input, 'the image name is empty');
  return { transport: 'docker-archive', path, name: parseDockerTaggedName(tail) };
}

/** Formats a reference back to its `transport:...` string. */
export function formatArchiveReference(ref: ArchiveReference): string {
  if (ref.transport === 'oci-archive')
    return `oci-archive:${ref.path}${ref.ref === undefined ? '' : `:${ref.ref}`}`;
  return `docker-archive:${ref.path}${ref.name === undefined ? '' : `:${ref.name.familiar}`}`;
}
