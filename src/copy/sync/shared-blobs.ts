/**
 * A sink wrapper that makes the images of one sync transfer each blob once per destination: the
 * first image to find a blob missing claims it, and every other image asking for that blob waits
 * for the claim's write, then counts the blob as present instead of sending it again.
 */
import type { ImageSink } from '../../image/types.ts';

/** A claimed blob: settles when the claiming image has written it (or gave up). */
interface Claim {
  written: Promise<boolean>;
  settle(ok: boolean): void;
}

/** Blob claims by destination scope and digest; shared by every image of a sync. */
export type BlobLedger = Map<string, Claim>;

function claim(): Claim {
  let settle!: (ok: boolean) => void;
  const written = new Promise<boolean>((resolve) => {
    settle = resolve;
  });
  return { written, settle };
}

/**
 * `sink` with its blob writes shared through `ledger` under `scope` (the destination repository
 * or folder). A claim whose write fails, or whose sink closes without writing, is dropped, and the
 * images waiting on it check the destination and write the blob themselves.
 */
export function sharingBlobs(sink: ImageSink, ledger: BlobLedger, scope: string): ImageSink {
  const key = (digest: string) => `${scope}\0${digest}`;
  const mine = new Map<string, Claim>();
  const release = (k: string, ok: boolean): void => {
    const held = mine.get(k);
    if (held === undefined) return;
    mine.delete(k);
    if (!ok && ledger.get(k) === held) ledger.delete(k);
    held.settle(ok);
  };
  type HasBlob = ImageSink['hasBlob'];
  const hasBlob = async (...args: Parameters<HasBlob>): ReturnType<HasBlob> => {
    const k = key(args[0].digest);
    for (;;) {
      const held = ledger.get(k);
      if (held === undefined) break;
      if (await held.written) return true;
    }
    if (await sink.hasBlob(...args)) return true;
    const held = ledger.get(k);
    if (held !== undefined) return (await held.written) || hasBlob(...args);
    const mineNow = claim();
    ledger.set(k, mineNow);
    mine.set(k, mineNow);
    return false;
  };
  return new Proxy(sink, {
    get(target, property, receiver) {
      if (property === 'hasBlob') return hasBlob;
      if (property === 'putBlob') {
        return async (...args: Parameters<ImageSink['putBlob']>) => {
          const k = key(args[0].digest);
          try {
            await target.putBlob(...args);
          } catch (err) {
            release(k, false);
            throw err;
          }
          release(k, true);
        };
      }
      if (property === 'mountBlob' && target.mountBlob) {
        return async (...args: Parameters<NonNullable<ImageSink['mountBlob']>>) => {
          const mounted = await (target.mountBlob as NonNullable<ImageSink['mountBlob']>)(...args);
          if (mounted) release(key(args[0].digest), true);
          return mounted;
        };
      }
      if (property === 'close') {
        return async () => {
          for (const k of [...mine.keys()]) release(k, false);
          await target.close();
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
