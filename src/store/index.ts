/** Content stores: the OCI image layout on a directory, with gc and fsck (image-layout.md). */
export { BLOBS_DIR, blobPath, INGEST_DIR } from './blob-path.ts';
export type { FsckOptions, FsckProblem, FsckProblemKind, FsckReport } from './fsck.ts';
export type { GcOptions, GcReport } from './gc.ts';
export {
  INDEX_FILE,
  INDEX_LOCK_FILE,
  initLayout,
  OCI_LAYOUT_FILE,
  OciLayout,
  openLayout,
  refNameOf,
} from './layout.ts';
export type { LockOptions } from './lock.ts';
export { withFileLock } from './lock.ts';
export { checkRefName, isRefName, isRefNameComponent, REF_NAME, tagOfRefName } from './ref-name.ts';
export type { BlobInfo, ContentStore, IngestExpectation, IngestOptions } from './types.ts';
