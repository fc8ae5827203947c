/** The read side of the `oci:` transport: an image layout on a directory. */
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { ErrorCode, OciError } from '../../errors/index.ts';
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
  return sourceOver(parsed, () => {
    opened ??= openLayout(parsed.dir);
    return opened;
  });
}

/** The source of `parsed` over the layout `layout()` gives. */
function sourceOver(parsed: LayoutReference, layout: () => Promise<OciLayout>): ImageSource {
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

/**
 * Opens `ref` for reading at once: NOT_FOUND when the layout's folder does not exist,
 * INVALID_LAYOUT when it is not a layout (image-layout.md: `oci-layout` and `index.json`);
 * the returned source reads the layout it checked.
 */
export async function openLayoutSource(ref: LayoutReference | string): Promise<ImageSource> {
  const parsed = typeof ref === 'string' ? parseLayoutReference(ref) : ref;
  try {
    await stat(parsed.dir);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new OciError(
        ErrorCode.NOT_FOUND,
        `no OCI image layout at ${parsed.dir}: the folder does not exist`,
        {
          data: { layout: parsed.dir },
          cause: err,
        },
      );
    }
    throw new OciError(ErrorCode.IO_ERROR, `cannot open the OCI image layout ${parsed.dir}`, {
      data: { layout: parsed.dir },
      cause: err,
    });
  }
  const layout = await openLayout(parsed.dir);
  return sourceOver(parsed, () => Promise.resolve(layout));
}
