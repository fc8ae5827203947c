/**
 * The names an archive's images can be picked by (what `ocikit ls` prints for an archive): the
 * `org.opencontainers.image.ref.name` of each index entry of an `oci-archive:` (image-layout.md
 * "index.json file"), and the `NAME:TAG` of each image of a `docker-archive:` (`RepoTags` of
 * `manifest.json`, or the image name annotations of the layout it holds; spec-checklist §5.4,
 * §5.5), in the archive's order, each once.
 */
import type { Descriptor } from '../../spec/index.ts';
import { IMAGE_NAME_ANNOTATION } from './docker-archive-source.ts';
import { MAX_DOCKER_MANIFEST_BYTES, parseDockerSaveManifest } from './docker-save.ts';
import { REF_NAME_ANNOTATION } from './oci-archive-source.ts';
import { type ArchiveReference, parseArchiveReference, tryDockerTaggedName } from './reference.ts';
import { resolveFile } from './resolve.ts';
import { TarIndex } from './tar-index.ts';
import { checkLayoutEntries, hasLayout, readLayoutIndex } from './tar-layout.ts';

/** The familiar `NAME:TAG` a layout entry of a Docker archive is known by, if any. */
function dockerNameOf(descriptor: Descriptor): string | undefined {
  const full = descriptor.annotations?.[IMAGE_NAME_ANNOTATION];
  const refName = descriptor.annotations?.[REF_NAME_ANNOTATION];
  // ref.name may hold a bare tag (Docker, containerd) or a full reference (other tools): §10.18.
  const candidate = full ?? (refName !== undefined && /[:/]/.test(refName) ? refName : undefined);
  return candidate === undefined ? undefined : tryDockerTaggedName(candidate)?.familiar;
}

/**
 * Lists the names in the archive `ref` names (a tag or name in `ref` itself is ignored). Throws
 * as opening the archive for reading does: NOT_FOUND, INVALID_ARCHIVE, UNSAFE_PATH.
 */
export async function archiveNames(ref: ArchiveReference | string): Promise<string[]> {
  const parsed = typeof ref === 'string' ? parseArchiveReference(ref) : ref;
  const tar = await TarIndex.open(parsed.path);
  const names: Array<string | undefined> = [];
  if (parsed.transport === 'oci-archive' || hasLayout(tar)) {
    checkLayoutEntries(tar, parsed.transport === 'oci-archive');
    const { manifests } = (await readLayoutIndex(tar)).value;
    for (const descriptor of manifests) {
      names.push(
        parsed.transport === 'oci-archive'
          ? descriptor.annotations?.[REF_NAME_ANNOTATION]
          : dockerNameOf(descriptor),
      );
    }
  } else {
    const bytes = await tar.read(resolveFile(tar, 'manifest.json'), MAX_DOCKER_MANIFEST_BYTES);
    for (const image of parseDockerSaveManifest(bytes, parsed.path)) names.push(...(image.RepoTags ?? []));
  }
  return [...new Set(names.filter((name): name is string => name !== undefined))];
}
