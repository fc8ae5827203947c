/**
 * Bounds on a paginated listing (tags, catalog, referrers) across all of its pages: a registry
 * may answer every page with a fresh `Link: rel="next"`, and a client following it blindly would
 * hold ever more of it in memory. One page is bounded by MAX_LISTING_BYTES; this bounds the sum.
 */
import type { Readable } from 'node:stream';
import { ErrorCode, OciError } from '../../errors/index.ts';
import { MAX_LISTING_BYTES, readLimited } from './manifest-limits.ts';

/** Most bytes read across all pages of one listing (64 MiB: about a million 64-byte names). */
export const MAX_LISTING_TOTAL_BYTES = 64 * 1024 * 1024;
/** Most entries kept across all pages of one listing. */
export const MAX_LISTING_ITEMS = 1_000_000;
/** Most pages followed for one listing (registries serve 100 to 1000 entries a page). */
export const MAX_LISTING_PAGES = 10_000;

/** Counts what one listing has read so far and refuses (TOO_LARGE) once a bound is passed. */
export class ListingBudget {
  /** What is listed, for messages (`tag listing of app`). */
  readonly what: string;
  private bytes = 0;
  private items = 0;
  private pages = 0;

  constructor(what: string) {
    this.what = what;
  }

  /**
   * Reads the body of the next page into memory, within both the per-page limit and what is left
   * of the total. `kept` counts other bytes held for the page (the URL remembered to detect
   * loops). Throws TOO_LARGE past MAX_LISTING_PAGES pages or MAX_LISTING_TOTAL_BYTES bytes.
   */
  async readPage(body: Readable, contentLength: string | undefined, kept = 0): Promise<Buffer> {
    this.bytes += kept;
    if (++this.pages > MAX_LISTING_PAGES || this.bytes > MAX_LISTING_TOTAL_BYTES) {
      body.destroy();
      throw this.tooLarge(
        this.pages > MAX_LISTING_PAGES
          ? `has more than ${MAX_LISTING_PAGES} pages`
          : `is larger than ${MAX_LISTING_TOTAL_BYTES} bytes over ${this.pages} pages`,
      );
    }
    const left = MAX_LISTING_TOTAL_BYTES - this.bytes;
    const limit = Math.min(MAX_LISTING_BYTES, left);
    let bytes: Buffer;
    try {
      bytes = await readLimited(body, limit, contentLength, `a page of the ${this.what}`);
    } catch (err) {
      if (err instanceof OciError && err.code === ErrorCode.TOO_LARGE && limit < MAX_LISTING_BYTES) {
        throw this.tooLarge(`is larger than ${MAX_LISTING_TOTAL_BYTES} bytes over ${this.pages} pages`);
      }
      throw err;
    }
    this.bytes += bytes.byteLength;
    return bytes;
  }

  /** Appends `items` to `out` one by one (a spread of a huge page would overflow the stack). */
  append<T>(out: T[], items: readonly T[]): void {
    if (this.items + items.length > MAX_LISTING_ITEMS) {
      throw this.tooLarge(`has more than ${MAX_LISTING_ITEMS} entries`);
    }
    this.items += items.length;
    for (const item of items) out.push(item);
  }

  private tooLarge(why: string): OciError {
    return new OciError(
      ErrorCode.TOO_LARGE,
      `the registry's ${this.what} ${why}; refusing to follow it further`,
      {
        data: {
          pages: this.pages,
          bytes: this.bytes,
          limits: { pages: MAX_LISTING_PAGES, bytes: MAX_LISTING_TOTAL_BYTES, items: MAX_LISTING_ITEMS },
        },
      },
    );
  }
}
