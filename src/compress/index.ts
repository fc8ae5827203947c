/** Layer compression: deterministic parallel gzip, zstd, sniffing by magic bytes, one-pass digests. */
export { type CompressOptions, compressStream } from './compress.ts';
export {
  createDecompressor,
  DECODE_CHUNK_SIZE,
  type DecompressOptions,
  decompressStream,
  SniffingDecompressor,
} from './decompress.ts';
export {
  compressAndDigest,
  type DigestingStream,
  decompressAndDigest,
  type LayerDigests,
  type ReadLayerDigests,
} from './digesting.ts';
export {
  COMPRESSIONS,
  type Compression,
  type CompressionKind,
  isCompression,
  mediaTypeFor,
} from './kinds.ts';
export {
  createGzipCompressor,
  DEFAULT_BLOCK_SIZE,
  DEFAULT_GZIP_LEVEL,
  type GzipOptions,
  gzipBytes,
} from './parallel-gzip.ts';
export { SNIFF_BYTES, sniffCompression } from './sniff.ts';
export { closeGzipWorkers } from './worker-pool.ts';
export { createZstdCompressor, DEFAULT_ZSTD_LEVEL, type ZstdOptions } from './zstd.ts';
