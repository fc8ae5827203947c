/** The copy engine: read from a source, write to a sink (DESIGN.md §1.6). */

export { type Compression, type ImageFormat, layerMediaType } from './convert.ts';
export { type CopyOptions, type CopyResult, copyImage, DEFAULT_COPY_JOBS } from './copy.ts';
