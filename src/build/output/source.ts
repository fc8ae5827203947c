/**
 * The built image (or index) as an {@link ImageSource}, so the copy engine writes it to any sink
 * like any other image: documents and configs from memory, new layers from the build cache, base
 * layers from their own sources; every blob verified as it is read.
 */
import { Readable } from 'node:stream';
import { verifyingStream } from '../../digest/index.ts';
import { ErrorCode, OciError } from '../../errors/index.ts';
import type { BlobOptions, ImageSource, OperationOptions } from '../../image/types.ts';
import type { Descriptor, TopDocument } from '../../spec/index.ts';
import type { LayerRef } from '../layers.ts';
import type { BuiltImage } from './assemble.ts';

/** A read-only source over what a build produced. */
export class BuiltSource implements ImageSource {
  readonly name = 'build';
  private readonly top: TopDocument;
  private readonly documents = new Map<string, TopDocument>();
  private readonly bytes = new Map<string, Uint8Array>();
  private readonly layers = new Map<string, LayerRef>();

  constructor(top: TopDocument, images: readonly BuiltImage[]) {
    this.top = top;
    this.documents.set(top.digest, top);
    for (const image of images) {
      this.documents.set(image.manifest.digest, image.manifest);
      this.bytes.set(image.manifest.value.config.digest, image.config);
      for (const layer of image.layers) this.layers.set(layer.descriptor.digest, layer);
    }
  }

  async resolve(): Promise<Descriptor> {
    return { mediaType: this.top.mediaType, digest: this.top.digest, size: this.top.bytes.byteLength };
  }

  async manifest(descriptor: Descriptor): Promise<TopDocument> {
    const document = this.documents.get(descriptor.digest);
    if (document === undefined)
      throw new OciError(ErrorCode.NOT_FOUND, `manifest ${descriptor.digest} is not part of the build`);
    return document;
  }

  async blob(descriptor: Descriptor, options: BlobOptions = {}): Promise<Readable> {
    const layer = this.layers.get(descriptor.digest);
    if (layer !== undefined) return layer.open(options as OperationOptions);
    const bytes = this.bytes.get(descriptor.digest) ?? this.documents.get(descriptor.digest)?.bytes;
    if (bytes === undefined)
      throw new OciError(ErrorCode.NOT_FOUND, `blob ${descriptor.digest} is not part of the build`);
    return Readable.from([Buffer.from(bytes)]).pipe(
      verifyingStream({ digest: descriptor.digest, size: descriptor.size }),
    );
  }

  async close(): Promise<void> {}
}
