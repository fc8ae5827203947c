/** Image references: the distribution/reference grammar with Docker Hub normalisation. */
export {
  familiarName,
  familiarString,
  formatName,
  formatReference,
  resolvableReference,
  withDefaultTag,
} from './format.ts';
export {
  DEFAULT_REGISTRY,
  DEFAULT_TAG,
  LEGACY_DEFAULT_REGISTRY,
  MAX_REPOSITORY_LENGTH,
  OFFICIAL_REPO_PREFIX,
} from './grammar.ts';
export { apiHost, DOCKER_HUB_API_HOST, isInsecureHost } from './hosts.ts';
export {
  normalizeReference,
  parseReference,
  validateRegistry,
  validateRepository,
  validateTag,
} from './parse.ts';
export type { Reference } from './types.ts';
