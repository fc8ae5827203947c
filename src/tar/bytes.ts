/**
 * A pull-based byte source over an (async) iterable of chunks: the tar reader asks for exactly
 * the bytes it needs, so backpressure is natural and no intermediate stream objects are made.
 * Every chunk is handed to an optional observer (the DiffID hasher) as it is pulled.
 */

/** Buffered, pull-based access to a chunked byte stream. */
export class ByteSource {
  private readonly iterator: AsyncIterator<Uint8Array> | Iterator<Uint8Array>;
  private readonly observe: ((chunk: Uint8Array) => void) | undefined;
  private chunks: Buffer[] = [];
  private head = 0;
  /** Bytes buffered and not yet taken. */
  buffered = 0;
  private ended = false;

  constructor(
    input: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    observe?: (chunk: Uint8Array) => void,
  ) {
    this.iterator =
      Symbol.asyncIterator in input
        ? (input as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
        : (input as Iterable<Uint8Array>)[Symbol.iterator]();
    this.observe = observe;
  }

  /** Pulls one more chunk; false at the end of the input. */
  private async pull(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.iterator.next();
    if (next.done) {
      this.ended = true;
      return false;
    }
    const chunk = next.value;
    this.observe?.(chunk);
    if (chunk.byteLength === 0) return true;
    this.chunks.push(
      Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength),
    );
    this.buffered += chunk.byteLength;
    return true;
  }

  /** Buffers at least `n` bytes; false when the input ends first. */
  async ensure(n: number): Promise<boolean> {
    while (this.buffered < n) if (!(await this.pull())) return false;
    return true;
  }

  /** Takes exactly `n` buffered bytes (call {@link ensure} first). */
  take(n: number): Buffer {
    const first = this.chunks[0] as Buffer;
    if (first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.advance(n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0] as Buffer;
      const count = Math.min(chunk.length - this.head, n - filled);
      chunk.copy(out, filled, this.head, this.head + count);
      filled += count;
      this.advance(count);
    }
    return out;
  }

  /** Bytes that {@link takeSome} can return without crossing into the next chunk. */
  get contiguous(): number {
    const first = this.chunks[0];
    return first === undefined ? 0 : first.length - this.head;
  }

  /** Takes up to `max` bytes from what is buffered (at least one byte must be buffered). */
  takeSome(max: number): Buffer {
    const first = this.chunks[0] as Buffer;
    const count = Math.min(first.length - this.head, max);
    const out = first.subarray(this.head, this.head + count);
    this.advance(count);
    return out;
  }

  /** Discards `n` bytes; false when the input ends first. */
  async skip(n: number): Promise<boolean> {
    let left = n;
    while (left > 0) {
      if (this.buffered === 0 && !(await this.pull())) return false;
      const first = this.chunks[0] as Buffer;
      const count = Math.min(first.length - this.head, left);
      this.advance(count);
      left -= count;
    }
    return true;
  }

  /** Reads and discards everything left (so an observer sees every byte). */
  async drain(): Promise<void> {
    this.chunks = [];
    this.head = 0;
    this.buffered = 0;
    while (await this.pull()) {
      this.chunks = [];
      this.buffered = 0;
    }
  }

  /** Stops the underlying iterator early (e.g. destroys a Readable). */
  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.iterator.return?.();
  }

  private advance(n: number): void {
    this.head += n;
    this.buffered -= n;
    const first = this.chunks[0] as Buffer;
    if (this.head === first.length) {
      this.chunks.shift();
      this.head = 0;
    }
  }
}
