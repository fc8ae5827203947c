/**
 * `oci:` references: `oci:DIR`, `oci:DIR:REF` and `oci:DIR@DIGEST`.
 *
 * DIR may itself contain `:` and `@`, so the split is made from the end:
 * 1. If the text after the last `@` starts with a registered algorithm (`sha256:`, `sha512:`,
 *    `blake3:`), it is a digest: it must pass the digest grammar (INVALID_DIGEST otherwise, so
 *    `DIR@sha256:../../x` is refused, not read as a folder name).
 * 2. Otherwise, if the text after the last `:` has no `/` (so it cannot be the rest of a path),
 *    it is the tag and DIR is everything before that `:`. The tag must be a component of the
 *    `org.opencontainers.image.ref.name` grammar (image-layout.md "index.json file"):
 *    `alphanum (separator alphanum)*`, separators `-._:@+` and `--`; anything else is
 *    INVALID_REFERENCE, never read as part of a folder name (`oci:nt:bad tag` is an error, not
 *    the folder `nt:bad tag`).
 * 3. Otherwise the whole text is DIR.
 * So `oci:/data/a:b:v1` is DIR `/data/a:b` tagged `v1`, and `oci:/mnt/c:x/layout` is just a DIR.
 */
import { type Digest, parseSupportedDigest } from '../../digest/index.ts';
import { ErrorCode, OciError } from '../../errors/index.ts';
import { isRefNameComponent } from '../../store/index.ts';

/** The transport's name, as written before the first `:`. */
export const LAYOUT_TRANSPORT = 'oci';

/** A parsed `oci:` reference. */
export interface LayoutReference {
  /** The layout directory, as given. */
  dir: string;
  /** The ref name (tag) of an index.json entry, if one was given. */
  tag?: string;
  /** The digest of a manifest or index, if one was given. */
  digest?: Digest;
}

const DIGEST_START = /^(?:sha256|sha512|blake3):/;

/** Parses `oci:DIR[:TAG]` or `oci:DIR@DIGEST` (the `oci:` prefix is optional); INVALID_REFERENCE when malformed. */
export function parseLayoutReference(text: string): LayoutReference {
  const body = text.startsWith(`${LAYOUT_TRANSPORT}:`) ? text.slice(LAYOUT_TRANSPORT.length + 1) : text;
  const at = body.lastIndexOf('@');
  if (at !== -1 && DIGEST_START.test(body.slice(at + 1))) {
    const digest = parseSupportedDigest(body.slice(at + 1)).digest;
    return { dir: checkDir(text, body.slice(0, at)), digest };
  }
  const colon = body.lastIndexOf(':');
  if (colon !== -1) {
    const tag = body.slice(colon + 1);
    if (tag === '') throw invalid(text, 'the tag after ":" is empty');
    if (!tag.includes('/')) return { dir: checkDir(text, body.slice(0, colon)), tag: checkTag(text, tag) };
  }
  return { dir: checkDir(text, body) };
}

/**
 * Formats a reference back to `oci:DIR[:TAG|@DIGEST]`. A tag that is not a ref name component is
 * refused (INVALID_REFERENCE): it would read back as part of DIR, naming another folder.
 */
export function formatLayoutReference(ref: LayoutReference): string {
  if (ref.digest !== undefined) return `${LAYOUT_TRANSPORT}:${ref.dir}@${ref.digest}`;
  if (ref.tag !== undefined) {
    const text = `${LAYOUT_TRANSPORT}:${ref.dir}:${ref.tag}`;
    return `${LAYOUT_TRANSPORT}:${ref.dir}:${checkTag(text, ref.tag)}`;
  }
  return `${LAYOUT_TRANSPORT}:${ref.dir}`;
}

/** A tag must be one ref.name component (image-layout.md); INVALID_REFERENCE otherwise. */
function checkTag(text: string, tag: string): string {
  if (!isRefNameComponent(tag)) {
    throw invalid(
      text,
      `${JSON.stringify(tag.slice(0, 200))} is not a valid tag: it takes letters and digits joined by one of -._:@+ or "--" (image-layout.md ref.name)`,
    );
  }
  return tag;
}

function checkDir(text: string, dir: string): string {
  if (dir === '') throw invalid(text, 'the layout directory is empty');
  if (dir.includes('\0')) throw invalid(text, 'the layout directory contains a NUL byte');
  return dir;
}

function invalid(text: string, reason: string): OciError {
  return new OciError(
    ErrorCode.INVALID_REFERENCE,
    `invalid oci: reference ${JSON.stringify(text.slice(0, 200))}: ${reason}`,
    {
      data: { reference: text.slice(0, 200), reason },
    },
  );
}
