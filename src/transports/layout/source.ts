/** The read side of the `oci:` transport: an image layout on a directory. */
import type { Readable } from 'node:stream';
import type { BlobOptions, ImageSource, OperationOptions } from '../../image/types.ts';
import type { Descriptor, TopDocument } from '../../spec/index.ts';
import { type OciLayout, openLayout } from '../../store/index.ts';
import { formatLayoutReference, type LayoutReference, parseLayoutReference } from './reference.ts';

/**
 * An {@link ImageSource} over the layout `ref` names. The layout is opened (and checked) on first
 * use; the top document is the index.json entry named by the tag or digest, or the only entry.
 */
export function layoutSource(ref: LayoutReference | string): ImageSource {
  const parsed = typeof ref === 'string' ? parseLayoutReference(ref) : ref;
  let opened: Promise<OciLayout> | undefined;
  const layout = (): Promise<OciLayout> => {
    opened ??= openLayout(parsed.dir);
    return opened;
  };
  return {
    name: formatLayoutReference(parsed),
    async resolve(options?: OperationOptions): Promise<Descriptor> {
      options?.signal?.throwIfAborted();
      return (await layout()).resolve(parsed.digest ?? parsed.tag);
    },
    async manifest(descriptor: Descriptor, options?: OperationOptions): Promise<TopDocument> {
      options?.signal?.throwIfAborted();
      return (await layout()).readDocument(descriptor);
    },
    async blob(descriptor: Descriptor, options?: BlobOptions): Promise<Readable> {
      return (await layout()).get(descriptor, options);
    },
    async close(): Promise<void> {},
  };
}
