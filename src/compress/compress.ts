/** One factory for every compression ocikit writes. */
import { addAbortSignal, type Duplex, PassThrough } from 'node:stream';
import type { Compression } from './kinds.ts';
import { createGzipCompressor, type GzipOptions } from './parallel-gzip.ts';
import { createZstdCompressor } from './zstd.ts';

/** Options of {@link compressStream}; `level` means the gzip or zstd level of the chosen kind. */
export interface CompressOptions extends GzipOptions {}

/**
 * A stream that compresses as `kind`: deterministic parallel gzip, zstd, or a pass-through for
 * `none`. Throws INVALID_ARGUMENT for out-of-range options.
 */
export function compressStream(kind: Compression, options: CompressOptions = {}): Duplex {
  switch (kind) {
    case 'gzip':
      return createGzipCompressor(options);
    case 'zstd':
      return createZstdCompressor({ level: options.level, signal: options.signal });
    case 'none': {
      const stream = new PassThrough({ highWaterMark: 1 << 20 });
      if (options.signal !== undefined) addAbortSignal(options.signal, stream);
      return stream;
    }
  }
}
