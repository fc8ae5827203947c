/**
 * An {@link ImageSource} that serves a new top document and new blobs over an unchanged base
 * source. This is how mutations stay pure: the base is never touched, and the result can be
 * written anywhere with the copy engine.
 */
import { Readable } from 'node:stream';
import type { Digest } from '../digest/index.ts';
import { verifyingStream } from '../digest/index.ts';
import type { BlobOptions, ImageSource, OperationOptions } from '../image/types.ts';
import type { Descriptor, TopDocument } from '../spec/index.ts';

/** A blob held by a mutation: bytes in memory, or a way to open them (e.g. a spooled layer). */
export type OverlayBlob = Uint8Array | (() => Readable);

/** A source that answers for `top` and `blobs` itself and delegates everything else to `base`. */
export class OverlaySource implements ImageSource {
  readonly name: string;
  private readonly base: ImageSource;
  private readonly topDescriptor: Descriptor;
  private readonly blobs: Map<Digest, OverlayBlob>;
  private readonly documents: Map<Digest, TopDocument>;

  constructor(
    base: ImageSource,
    top: TopDocument,
    topDescriptor: Descriptor,
    blobs: Map<Digest, OverlayBlob>,
    documents: TopDocument[] = [],
  ) {
    this.base = base;
    this.name = `${base.name} (modified)`;
    this.topDescriptor = topDescriptor;
    this.blobs = blobs;
    this.documents = new Map(documents.map((d) => [d.digest, d]));
    this.documents.set(top.digest, top);
  }

  async resolve(): Promise<Descriptor> {
    return this.topDescriptor;
  }

  async manifest(descriptor: Descriptor, options?: OperationOptions): Promise<TopDocument> {
    return this.documents.get(descriptor.digest) ?? this.base.manifest(descriptor, options);
  }

  async blob(descriptor: Descriptor, options?: BlobOptions): Promise<Readable> {
    const own = this.blobs.get(descriptor.digest);
    const document = this.documents.get(descriptor.digest);
    if (own === undefined && document === undefined) return this.base.blob(descriptor, options);
    const raw = document
      ? Readable.from([Buffer.from(document.bytes)])
      : typeof own === 'function'
        ? own()
        : Readable.from([Buffer.from(own as Uint8Array)]);
    const verified = verifyingStream({ digest: descriptor.digest, size: descriptor.size });
    raw.on('error', (err) => verified.destroy(err));
    return raw.pipe(verified);
  }

  async close(): Promise<void> {
    await this.base.close();
  }
}
