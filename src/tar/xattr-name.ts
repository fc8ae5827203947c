/**
 * Extended attribute names taken from untrusted layers (PAX `SCHILY.xattr.*` and
 * `LIBARCHIVE.xattr.*` records; image-spec layer.md "File Attributes": xattrs). Names end up in a
 * line-oriented `setfattr --restore` dump, so they are checked strictly before anything is written.
 */
import { ErrorCode, OciError } from '../errors/index.ts';

/** Longest xattr name Linux accepts (XATTR_NAME_MAX), in bytes. */
export const XATTR_NAME_MAX = 255;

/** Namespaces a layer may set (xattr(7)); names outside them are skipped, not failed. */
const APPLIED_PREFIXES = ['user.', 'trusted.', 'security.'] as const;

/** The only `system.` names applied: POSIX ACLs, whose values the kernel validates. */
const APPLIED_SYSTEM_NAMES: ReadonlySet<string> = new Set([
  'system.posix_acl_access',
  'system.posix_acl_default',
]);

/**
 * Checks an xattr name of layer entry `entryName`. Throws INVALID_ARCHIVE naming the entry for a
 * name no honest archive carries: empty, longer than {@link XATTR_NAME_MAX} bytes, a bare namespace
 * prefix, or containing a control character (newline, NUL, DEL, C1) or `=`. Returns true when the
 * name is in a namespace an apply sets (`user.`, `trusted.`, `security.`, POSIX ACLs), false for
 * any other namespace (the caller skips it with a warning).
 */
export function checkXattrName(name: string, entryName: string): boolean {
  const refuse = (reason: string): OciError =>
    new OciError(
      ErrorCode.INVALID_ARCHIVE,
      `layer entry ${JSON.stringify(entryName)}: invalid extended attribute name ${JSON.stringify(name)}: ${reason}`,
      { data: { entry: entryName, xattr: name, reason } },
    );
  if (name === '') throw refuse('empty name');
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) throw refuse('control character');
    if (c === 0x3d) throw refuse('"=" in name');
  }
  if (Buffer.byteLength(name) > XATTR_NAME_MAX) throw refuse(`longer than ${XATTR_NAME_MAX} bytes`);
  if (APPLIED_SYSTEM_NAMES.has(name)) return true;
  for (const prefix of APPLIED_PREFIXES) {
    if (name.startsWith(prefix)) {
      if (name.length === prefix.length) throw refuse('namespace without a name');
      return true;
    }
  }
  return false;
}
