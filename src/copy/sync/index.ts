/** `sync`: many images from a repository, a registry or a YAML file to a registry or folders (skopeo sync). */

export { parseSyncYaml, type RegistrySelection } from './config.ts';
export {
  destinationFor,
  type OpenLister,
  planRegistrySource,
  planYamlSource,
  type RegistryLister,
  type SyncDestinationKind,
  type SyncItem,
  type SyncTarget,
} from './plan.ts';
export { DEFAULT_SYNC_IMAGES, runSync, type SyncOpeners, type SyncOptions, type SyncOutcome } from './run.ts';
export { tagsInRange, tagsMatching } from './select-tags.ts';
export { type SharedOpeners, sharedOpeners } from './shared-clients.ts';
