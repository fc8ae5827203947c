/**
 * The image reference grammar of distribution/reference (regexp.go), built from its named parts so
 * each regex reads like the grammar. Every exported pattern is anchored.
 */

/** The registry Docker Hub is known by (distribution/reference `defaultDomain`). */
export const DEFAULT_REGISTRY = 'docker.io';
/** The historical name of Docker Hub, normalised to {@link DEFAULT_REGISTRY}. */
export const LEGACY_DEFAULT_REGISTRY = 'index.docker.io';
/** The namespace of Docker Hub's official images, added to single-component names. */
export const OFFICIAL_REPO_PREFIX = 'library/';
/** The tag used when a reference names neither a tag nor a digest. */
export const DEFAULT_TAG = 'latest';
/** distribution/reference `RepositoryNameTotalLengthMax`: the path alone, without the domain. */
export const MAX_REPOSITORY_LENGTH = 255;

const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]';
const host = `(?:${domainName}|${ipv6address})`;
const domainAndPort = `${host}(?::[0-9]+)?`;
const tag = '[\\w][\\w.-]{0,127}';
const digest = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';

/** `domain := host [':' port-number]`. */
export const DOMAIN = new RegExp(`^${domainAndPort}$`);
/** `path := path-component ['/' path-component]*` (the remote name). */
export const REPOSITORY = new RegExp(`^${remoteName}$`);
/** `tag := /[\w][\w.-]{0,127}/`. */
export const TAG = new RegExp(`^${tag}$`);
/** What follows the domain: remote name, optional tag, optional digest (3 capture groups). */
export const REMAINDER = new RegExp(`^(${remoteName})(?::(${tag}))?(?:@(${digest}))?$`);
/** `identifier := /[a-f0-9]{64}/`: an image ID, never a valid name. */
export const IDENTIFIER = /^[a-f0-9]{64}$/;
