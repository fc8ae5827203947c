import type { Digest } from '../digest/index.ts';

/**
 * A parsed, normalised image reference: `registry/repository[:tag][@digest]`.
 * `registry` is never empty (Docker Hub is `docker.io`); Docker Hub's one-component names carry
 * the `library/` prefix.
 */
export interface Reference {
  /** The domain with its port, e.g. `docker.io`, `localhost:5000`, `[::1]:5000`. */
  readonly registry: string;
  /** The path inside the registry, e.g. `library/ubuntu`. */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: Digest;
}
