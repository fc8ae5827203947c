/** Tar layers: reading and writing entries, walking directories, changesets, and the safe apply. */
export { type ApplyLayerOptions, type ApplyLayerResult, applyLayer, applyLayers } from './apply.ts';
export { createChangeset } from './changeset.ts';
export { makeEntry, type TarEntry, type TarEntryType } from './entry.ts';
export { END_OF_ARCHIVE, encodeHeader, padding } from './header.ts';
export { type CreateLayerOptions, createLayer } from './layer.ts';
export { cleanName, OPAQUE_WHITEOUT, WHITEOUT_PREFIX } from './names.ts';
export { parsePaxRecords, type ReadTarOptions, readTar, type TarInput, type TarReadItem } from './read.ts';
export { readFileInRoot } from './root-file.ts';
export type { SparseFragment, SparseMap } from './sparse.ts';
export { ROOTLESS_XATTR, rootlessOwnerXattr } from './special.ts';
export { type WalkEntry, walkDirectory } from './walk.ts';
