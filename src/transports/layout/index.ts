/** The `oci:` transport: an OCI image layout on a directory (image-layout.md). */
export {
  formatLayoutReference,
  LAYOUT_TRANSPORT,
  type LayoutReference,
  parseLayoutReference,
} from './reference.ts';
export { layoutSink } from './sink.ts';
export { layoutSource } from './source.ts';
