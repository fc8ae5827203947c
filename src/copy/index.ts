/** The copy engine: read from a source, write to a sink (DESIGN.md §1.6). */

export { type Compression, type ImageFormat, layerMediaType } from './convert.ts';
export { type CopyOptions, type CopyResult, copyImage } from './copy.ts';
