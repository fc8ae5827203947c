/**
 * The image a policy accepted is the image used: a source whose `resolve` answers the descriptor
 * the check was made on, so a tag that moves after the check (a registry answering differently
 * to a second look-up, a layout rewritten meanwhile) cannot slip an unchecked image through
 * (containers/image checks and copies one `UnparsedImage` for the same reason).
 */
import type { ImageSource } from '../../image/types.ts';
import type { Descriptor } from '../../spec/index.ts';

/**
 * `source` with `resolve()` always answering `top` (every other member is the source's own, so
 * it stays the same kind of source for blob mounts and signature copies).
 */
export function pinnedSource<S extends ImageSource>(source: S, top: Descriptor): S {
  const resolve: ImageSource['resolve'] = async (options) => {
    options?.signal?.throwIfAborted();
    return top;
  };
  return new Proxy(source, {
    get(target, property) {
      if (property === 'resolve') return resolve;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
