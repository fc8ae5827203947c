/** The layout directory a command argument names: `DIR` as given, or the DIR of `oci:DIR[:TAG|@DIGEST]`. */
import { parseLayoutReference } from '../transports/layout/index.ts';

/** The directory of a layout argument; a bare path is taken whole, even if it contains `:`. */
export function layoutDirOf(text: string): string {
  return text.startsWith('oci:') ? parseLayoutReference(text).dir : text;
}

/** The directory when `name` is an `oci:` image name, else undefined (a registry reference). */
export function ociLayoutDir(name: string): string | undefined {
  return name.startsWith('oci:') ? parseLayoutReference(name).dir : undefined;
}
