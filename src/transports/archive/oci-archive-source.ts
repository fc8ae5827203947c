/**
 * `oci-archive:FILE[:REF]` as a source: a tar of an OCI image layout, read in place (no
 * extraction; see tar-index.ts). REF matches `org.opencontainers.image.ref.name`
 * (annotations.md); without REF the layout must hold exactly one image.
 */
import { ErrorCode, OciError } from '../../errors/index.ts';
import type { ImageSource } from '../../image/types.ts';
import type { Descriptor } from '../../spec/index.ts';
import { formatArchiveReference, type OciArchiveReference, parseArchiveReference } from './reference.ts';
import { TarIndex } from './tar-index.ts';
import { checkLayoutEntries, onlyDescriptor, readLayoutIndex, TarLayoutSource } from './tar-layout.ts';

/** The annotation naming an index entry (annotations.md). */
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

/** Accepts a parsed reference or an `oci-archive:` string. */
function asOciReference(ref: OciArchiveReference | string): OciArchiveReference {
  const parsed = typeof ref === 'string' ? parseArchiveReference(ref, 'oci-archive') : ref;
  if (parsed.transport !== 'oci-archive') {
    throw new OciError(
      ErrorCode.INVALID_REFERENCE,
      `${formatArchiveReference(parsed)} is not an oci-archive: reference`,
    );
  }
  return parsed;
}

/** Finds the index entry named `ref`; NOT_FOUND when none, INVALID_ARCHIVE when it names two images. */
export function descriptorByRefName(
  manifests: readonly Descriptor[],
  ref: string,
  archive: string,
): Descriptor {
  const matches = manifests.filter((d) => d.annotations?.[REF_NAME_ANNOTATION] === ref);
  const first = matches[0];
  if (first === undefined) {
    throw new OciError(ErrorCode.NOT_FOUND, `${archive}: no image named ${JSON.stringify(ref)}`, {
      data: { path: archive, ref },
    });
  }
  if (new Set(matches.map((d) => d.digest)).size > 1) {
    throw new OciError(
      ErrorCode.INVALID_ARCHIVE,
      `${archive}: ${JSON.stringify(ref)} names more than one image`,
      {
        data: { path: archive, ref },
      },
    );
  }
  return first;
}

/**
 * Opens an `oci-archive:` file for reading. Throws NOT_FOUND (no file), INVALID_ARCHIVE (not a
 * tar of a layout, links or special files in it) or UNSAFE_PATH (an entry name that is absolute
 * or has `..`).
 */
export async function ociArchiveSource(ref: OciArchiveReference | string): Promise<ImageSource> {
  const reference = asOciReference(ref);
  const tar = await TarIndex.open(reference.path);
  checkLayoutEntries(tar, true);
  const index = await readLayoutIndex(tar);
  const name = formatArchiveReference(reference);
  const wanted = reference.ref;
  return new TarLayoutSource(name, tar, index, (manifests) =>
    wanted === undefined
      ? onlyDescriptor(manifests, reference.path, 'name one as oci-archive:FILE:REF')
      : descriptorByRefName(manifests, wanted, reference.path),
  );
}
