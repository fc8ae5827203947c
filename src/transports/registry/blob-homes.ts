/**
 * Where a registry client has seen each blob: the repositories it pushed a blob to, mounted it
 * into, or found it in, and the uploads about to happen. A push of the same blob to another
 * repository of that registry can then be a cross-repository mount (distribution-spec end-11)
 * instead of a second download and upload — what a sync of many images sharing a base needs,
 * and what containers/image learns from its blob info cache.
 */

/** Most digests remembered; past it the oldest are forgotten (a mount only saves a transfer). */
const MAX_REMEMBERED = 50_000;

/**
 * How long a claim may stay unsettled before waiters stop counting on it. A claim normally
 * settles when its upload ends; this only bounds a claim whose holder never uploads.
 */
const CLAIM_BACKSTOP_MS = 30_000;

/** An upload one sink announced: settled true once the blob is in `repository`, else false. */
export interface BlobClaim {
  settle(ok: boolean): void;
}

/** Repositories of one registry known to hold each blob, and uploads under way. */
export class BlobHomes {
  /** digest → a repository known to hold it (the latest seen). */
  private readonly known = new Map<string, string>();
  /** digest → repository → settles true when the upload there succeeded. */
  private readonly pending = new Map<string, Map<string, Promise<boolean>>>();
  /** Set once the registry answered a mount from a known home by opening an upload instead. */
  private refused = false;

  /**
   * Records that the registry refused a mount (202: it ignores mounts, or this client may not read
   * the home): from now on {@link find} names no home and waits for no upload.
   */
  refuseMounts(): void {
    this.refused = true;
    this.onRefused();
  }

  private onRefused!: () => void;
  /** Settles on the first refusal: lookups waiting for an upload stop waiting. */
  private readonly refusal = new Promise<void>((resolve) => {
    this.onRefused = resolve;
  });

  /** Remembers that `repository` holds `digest`. */
  record(digest: string, repository: string): void {
    this.known.delete(digest);
    this.known.set(digest, repository);
    if (this.known.size > MAX_REMEMBERED) {
      const oldest = this.known.keys().next().value;
      if (oldest !== undefined) this.known.delete(oldest);
    }
  }

  /**
   * Announces an upload of `digest` to `repository`, so that {@link find} for another repository
   * waits for it instead of sending the same bytes at the same time. Settle it once the upload
   * ended (true: the repository is remembered); an unsettled claim counts as failed after 30 s.
   */
  claim(digest: string, repository: string): BlobClaim {
    let byRepository = this.pending.get(digest);
    if (byRepository === undefined) {
      byRepository = new Map();
      this.pending.set(digest, byRepository);
    }
    let resolve!: (ok: boolean) => void;
    const settled = new Promise<boolean>((r) => {
      resolve = r;
    });
    byRepository.set(repository, settled);
    let done = false;
    const backstop = setTimeout(() => settle(false), CLAIM_BACKSTOP_MS);
    backstop.unref();
    const settle = (ok: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(backstop);
      const current = this.pending.get(digest);
      if (current?.get(repository) === settled) current.delete(repository);
      if (current?.size === 0) this.pending.delete(digest);
      if (ok) this.record(digest, repository);
      resolve(ok);
    };
    return { settle };
  }

  /**
   * A repository other than `except` that holds `digest`: one already known, else the first whose
   * announced upload succeeds (waited for). Undefined when there is none, or once mounts were
   * refused ({@link refuseMounts}).
   */
  async find(digest: string, except: string, signal?: AbortSignal): Promise<string | undefined> {
    for (;;) {
      signal?.throwIfAborted();
      if (this.refused) return undefined;
      const known = this.known.get(digest);
      if (known !== undefined && known !== except) return known;
      const uploads = [...(this.pending.get(digest)?.entries() ?? [])].filter(([repo]) => repo !== except);
      if (uploads.length === 0) return undefined;
      const first = await firstSuccess(uploads, this.refusal, signal);
      if (first !== undefined) return first;
    }
  }
}

/**
 * The repository of the first upload that succeeds, or undefined once all failed or mounts were
 * refused; rejects on abort.
 */
function firstSuccess(
  uploads: [string, Promise<boolean>][],
  refusal: Promise<void>,
  signal: AbortSignal | undefined,
): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let left = uploads.length;
    const onAbort = () => reject(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (value: string | undefined) => {
      signal?.removeEventListener('abort', onAbort);
      resolve(value);
    };
    void refusal.then(() => finish(undefined));
    for (const [repository, settled] of uploads) {
      void settled.then((ok) => {
        if (ok) finish(repository);
        else if (--left === 0) finish(undefined);
      });
    }
  });
}
