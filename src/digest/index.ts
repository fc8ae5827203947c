/** Digests: grammar, hashing and verification (image-spec descriptor.md). */
export * from './digest.ts';
export * from './hash.ts';
export * from './verify.ts';
