/**
 * An {@link ImageSource} for a new document built from parts that live in different sources: an
 * index over images from several places, or an image whose lower layers come from another base.
 * It serves the new documents and blobs itself and asks the part that holds anything else: first
 * the part a digest is known to belong to, then each part in turn while they answer NOT_FOUND.
 */
import { Readable } from 'node:stream';
import type { Digest } from '../digest/index.ts';
import { verifyingStream } from '../digest/index.ts';
import { ErrorCode, isOciError } from '../errors/index.ts';
import type { BlobOptions, Image, ImageSource, Index, OperationOptions } from '../image/types.ts';
import type { Descriptor, TopDocument } from '../spec/index.ts';

/** The source holding each blob an image names: its manifest, config and layers. */
export function routesOf(node: Image | Index): Map<string, ImageSource> {
  const routes = new Map<string, ImageSource>([[node.descriptor.digest, node.source]]);
  if (node.kind === 'image') {
    routes.set(node.document.value.config.digest, node.source);
    for (const layer of node.document.value.layers) routes.set(layer.digest, node.source);
  }
  return routes;
}

/** Serves `top`, `documents` and `blobs`; anything else from the part that holds it. */
export class ComposedSource implements ImageSource {
  readonly name: string;
  private readonly top: Descriptor;
  private readonly documents: Map<string, TopDocument>;
  private readonly blobs: Map<string, Uint8Array>;
  private readonly routes: Map<string, ImageSource>;
  private readonly parts: ImageSource[];

  /**
   * `routes` name the part holding a digest; `parts` are asked in order for the rest. The parts
   * belong to the caller: {@link close} does not close them.
   */
  constructor(
    name: string,
    top: { descriptor: Descriptor; document: TopDocument },
    parts: { routes?: Map<string, ImageSource>; sources: ImageSource[] },
    own: { documents?: TopDocument[]; blobs?: Map<Digest, Uint8Array> } = {},
  ) {
    this.name = name;
    this.top = top.descriptor;
    this.documents = new Map([...(own.documents ?? []), top.document].map((d) => [d.digest, d]));
    this.blobs = new Map(own.blobs ?? []);
    this.routes = parts.routes ?? new Map();
    this.parts = [...new Set(parts.sources)];
  }

  async resolve(): Promise<Descriptor> {
    return this.top;
  }

  async manifest(descriptor: Descriptor, options?: OperationOptions): Promise<TopDocument> {
    const own = this.documents.get(descriptor.digest);
    if (own !== undefined) return own;
    return this.ask(descriptor, (source) => source.manifest(descriptor, options));
  }

  async blob(descriptor: Descriptor, options?: BlobOptions): Promise<Readable> {
    const own = this.blobs.get(descriptor.digest) ?? this.documents.get(descriptor.digest)?.bytes;
    if (own === undefined) return this.ask(descriptor, (source) => source.blob(descriptor, options));
    return Readable.from([Buffer.from(own)]).pipe(
      verifyingStream({ digest: descriptor.digest, size: descriptor.size }),
    );
  }

  async close(): Promise<void> {}

  private async ask<T>(descriptor: Descriptor, fn: (source: ImageSource) => Promise<T>): Promise<T> {
    const routed = this.routes.get(descriptor.digest);
    const order = routed ? [routed, ...this.parts.filter((p) => p !== routed)] : this.parts;
    let last: unknown;
    for (const source of order) {
      try {
        return await fn(source);
      } catch (err) {
        if (!isOciError(err, ErrorCode.NOT_FOUND)) throw err;
        last = err;
      }
    }
    throw last;
  }
}
