/** The fixed parts of a gzip member (RFC 1952 §2.3) as ocikit writes it. */

/**
 * The 10-byte member header: ID1 ID2, CM = 8 (deflate), FLG = 0 (no name, comment or extra),
 * MTIME = 0 (no time stamp), XFL = 0, OS = 255 (unknown). Nothing depends on the host or the
 * clock, so equal input gives equal bytes everywhere.
 */
export const GZIP_HEADER: Uint8Array = Uint8Array.of(0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff);

/** The 8-byte member trailer: CRC-32 of the input, then its size modulo 2^32, both little-endian. */
export function gzipTrailer(crc32: number, inputSize: number): Buffer {
  const trailer = Buffer.allocUnsafe(8);
  trailer.writeUInt32LE(crc32 >>> 0, 0);
  trailer.writeUInt32LE(inputSize % 2 ** 32, 4);
  return trailer;
}
