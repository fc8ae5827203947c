/** An {@link ImageSource} over documents and blobs held in memory (the empty image, tests). */
import { Readable } from 'node:stream';
import { verifyingStream } from '../digest/index.ts';
import { ErrorCode, OciError } from '../errors/index.ts';
import type { Descriptor, TopDocument } from '../spec/index.ts';
import type { ImageSource } from './types.ts';

/** A source that serves a fixed top document and blobs from memory, verified like any other. */
export class MemorySource implements ImageSource {
  readonly name: string;
  private readonly top: Descriptor;
  private readonly documents = new Map<string, TopDocument>();
  private readonly blobs = new Map<string, Uint8Array>();

  constructor(
    name: string,
    top: Descriptor,
    documents: TopDocument[],
    blobs: Map<string, Uint8Array> = new Map(),
  ) {
    this.name = name;
    this.top = top;
    for (const d of documents) this.documents.set(d.digest, d);
    for (const [digest, bytes] of blobs) this.blobs.set(digest, bytes);
  }

  async resolve(): Promise<Descriptor> {
    return this.top;
  }

  async manifest(descriptor: Descriptor): Promise<TopDocument> {
    const doc = this.documents.get(descriptor.digest);
    if (!doc)
      throw new OciError(ErrorCode.NOT_FOUND, `manifest ${descriptor.digest} not found in ${this.name}`);
    return doc;
  }

  async blob(descriptor: Descriptor): Promise<Readable> {
    const bytes = this.blobs.get(descriptor.digest) ?? this.documents.get(descriptor.digest)?.bytes;
    if (!bytes)
      throw new OciError(ErrorCode.NOT_FOUND, `blob ${descriptor.digest} not found in ${this.name}`);
    return Readable.from([Buffer.from(bytes)]).pipe(
      verifyingStream({ digest: descriptor.digest, size: descriptor.size }),
    );
  }

  async close(): Promise<void> {}
}
