/**
 * The explorer over a set of repositories (`ocikit serve`'s folder of layouts): repository list →
 * tags → image pages. Images are named `NAME:TAG` or `NAME@DIGEST` in API paths; each is opened
 * pinned to the digest its tag names at the time, and kept in a small cache of catalogs.
 */
import { ErrorCode, OciError } from '../errors/index.ts';
import type { TransportOptions } from '../transports/index.ts';
import { type ExplorerImage, ImageCatalog } from './images.ts';

/** One tag of a repository. */
export interface RepositoryTag {
  tag: string;
  digest: string;
  mediaType: string;
}

/** What the explorer browses in repository mode; implemented over serve's root by the command. */
export interface ExplorerRepositories {
  /** Every repository name, sorted. */
  names(): Promise<string[]>;
  /** The tags of repository `name`; NOT_FOUND when there is none, INVALID_REFERENCE for a name off the grammar. */
  tags(name: string): Promise<RepositoryTag[]>;
  /** The image `ref` (tag or digest) of `name`, read-only, with the digest it resolves to now. */
  open(name: string, ref: string): Promise<{ digest: string; image: ExplorerImage }>;
}

/** Most images kept open at once. */
const MAX_OPEN = 32;

/** Splits an image id `NAME:TAG` or `NAME@DIGEST`; INVALID_REFERENCE otherwise. */
export function splitImageId(id: string): { name: string; ref: string } {
  const at = id.indexOf('@');
  const colon = at === -1 ? id.lastIndexOf(':') : at;
  if (colon <= 0 || colon === id.length - 1)
    throw new OciError(
      ErrorCode.INVALID_REFERENCE,
      `expected NAME:TAG or NAME@DIGEST, got ${JSON.stringify(id.slice(0, 300))}`,
    );
  return { name: id.slice(0, colon), ref: id.slice(colon + 1) };
}

/** The catalogs of the images of `repositories` that pages asked for, the most recent {@link MAX_OPEN}. */
export class RepositoryCatalogs {
  readonly #repositories: ExplorerRepositories;
  readonly #options: TransportOptions;
  readonly #open = new Map<string, ImageCatalog>();

  constructor(repositories: ExplorerRepositories, options: TransportOptions = {}) {
    this.#repositories = repositories;
    this.#options = options;
  }

  /** The catalog of image `id`, opened (or reused while its tag names the same digest). */
  async get(id: string): Promise<ImageCatalog> {
    const { name, ref } = splitImageId(id);
    const { digest, image } = await this.#repositories.open(name, ref);
    const key = `${name}@${digest}`;
    let catalog = this.#open.get(key);
    if (catalog !== undefined) {
      this.#open.delete(key);
    } else {
      catalog = new ImageCatalog(image, this.#options);
      if (this.#open.size >= MAX_OPEN) {
        const [oldest, dropped] = this.#open.entries().next().value as [string, ImageCatalog];
        this.#open.delete(oldest);
        void dropped.image.source.close().catch(() => {});
      }
    }
    this.#open.set(key, catalog);
    return catalog;
  }
}
