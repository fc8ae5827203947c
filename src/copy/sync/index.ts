/** `sync`: many images from a repository, a registry, a YAML file or a folder to a registry or folders (skopeo sync). */

export { parseSyncYaml, type RegistrySelection } from './config.ts';
export { MAX_DIR_DEPTH, MAX_DIR_IMAGES, planDirSource, splitPin } from './dir-source.ts';
export {
  destinationAt,
  destinationFor,
  freshTags,
  type OpenLister,
  planRegistrySource,
  planYamlSource,
  type RegistryLister,
  type SyncDestinationKind,
  type SyncItem,
  type SyncTarget,
  TAG_LISTING_FRESH_MS,
  type TagListing,
} from './plan.ts';
export {
  DEFAULT_SYNC_IMAGES,
  runSync,
  type SyncFinish,
  type SyncOpeners,
  type SyncOptions,
  type SyncOutcome,
} from './run.ts';
export { tagsInRange, tagsMatching } from './select-tags.ts';
export { type SharedOpeners, sharedOpeners } from './shared-clients.ts';
