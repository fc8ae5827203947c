/**
 * Compression detection by magic bytes. Media types can lie (Docker's `rootfs.diff.tar` may hold
 * gzip; spec-checklist §10.9), so readers trust the bytes, as containerd does.
 */
import type { Compression } from './kinds.ts';

/** How many leading bytes {@link sniffCompression} needs to decide. */
export const SNIFF_BYTES = 4;

/**
 * The compression of a stream from its first bytes: gzip (RFC 1952 ID1 ID2 = 1f 8b), zstd
 * (RFC 8878 frame magic 28 b5 2f fd, or a skippable frame 0x184D2A50..5F little-endian), else none.
 */
export function sniffCompression(firstBytes: Uint8Array): Compression {
  const [b0, b1, b2, b3] = firstBytes;
  if (b0 === 0x1f && b1 === 0x8b) return 'gzip';
  if (b0 === 0x28 && b1 === 0xb5 && b2 === 0x2f && b3 === 0xfd) return 'zstd';
  if (b0 !== undefined && (b0 & 0xf0) === 0x50 && b1 === 0x2a && b2 === 0x4d && b3 === 0x18) return 'zstd';
  return 'none';
}
