/** OCI runtime bundles from images (image-spec conversion.md). */
export * from './runtime-config.ts';
export * from './unpack.ts';
export * from './user.ts';
