/**
 * Filesystem operations Node has no API for: device nodes, FIFOs and extended attributes. They
 * are delegated to the standard commands (`mknod`, `mkfifo` from coreutils; `setfattr` from the
 * attr package), which are spawned only for the rare entries that need them; xattrs are written
 * in one `setfattr --restore` batch per layer.
 */
import { spawnSync } from 'node:child_process';
import { ErrorCode, OciError } from '../errors/index.ts';

function run(command: string, args: string[], input?: Buffer): void {
  const result = spawnSync(command, args, { input, stdio: ['pipe', 'ignore', 'pipe'] });
  if (result.error) {
    const missing = (result.error as { code?: string }).code === 'ENOENT';
    throw new OciError(
      missing ? ErrorCode.UNSUPPORTED : ErrorCode.IO_ERROR,
      missing ? `${command} is not installed` : `${command} failed: ${result.error.message}`,
      { cause: result.error },
    );
  }
  if (result.status !== 0) {
    throw new OciError(ErrorCode.IO_ERROR, `${command} failed: ${result.stderr.toString().trim()}`, {
      data: { command, status: result.status },
    });
  }
}

/** Creates a character or block device node (requires CAP_MKNOD). */
export function makeDevice(path: string, type: 'c' | 'b', mode: number, major: number, minor: number): void {
  run('mknod', ['-m', (mode & 0o7777).toString(8), '--', path, type, String(major), String(minor)]);
}

/** Creates a FIFO. */
export function makeFifo(path: string, mode: number): void {
  run('mkfifo', ['-m', (mode & 0o7777).toString(8), '--', path]);
}

let setfattrChecked: boolean | undefined;

/** Whether `setfattr` can be run on this host (checked once). */
export function canSetXattrs(): boolean {
  if (setfattrChecked === undefined) {
    const result = spawnSync('setfattr', ['--version'], { stdio: 'ignore' });
    setfattrChecked = !result.error;
  }
  return setfattrChecked;
}

/**
 * Escapes a path or an xattr name for a getfattr dump, as getfattr writes them and setfattr's
 * `unquote` reads them back: every byte that is a space or control character, non-ASCII, `\\` or
 * `=` becomes a three-digit octal escape, so no input can end a line, start a `# file:` block or
 * split a name from its value. A NUL byte cannot be represented (the C side would truncate) and
 * throws UNSAFE_PATH.
 */
export function escapeDumpText(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text)) {
    if (byte === 0) {
      throw new OciError(ErrorCode.UNSAFE_PATH, `NUL byte in ${JSON.stringify(text)} for setfattr`, {
        data: { text },
      });
    }
    if (byte <= 0x20 || byte >= 0x7f || byte === 0x5c || byte === 0x3d)
      out += `\\${byte.toString(8).padStart(3, '0')}`;
    else out += String.fromCharCode(byte);
  }
  return out;
}

/** The `setfattr --restore` input for `items`: one `# file:` block each, names escaped, values in hex. */
export function xattrDump(
  items: ReadonlyArray<{ path: string; xattrs: ReadonlyMap<string, Buffer> }>,
): Buffer {
  const lines: string[] = [];
  for (const item of items) {
    lines.push(`# file: ${escapeDumpText(item.path)}`);
    for (const [name, value] of item.xattrs) lines.push(`${escapeDumpText(name)}=0x${value.toString('hex')}`);
    lines.push('');
  }
  return Buffer.from(lines.join('\n'));
}

/**
 * Sets extended attributes on many paths with one `setfattr -h --restore` (symlinks are never
 * followed). Callers must have re-verified that every path still lies inside the root and checked
 * every name (see checkXattrName); paths and names are escaped here regardless.
 */
export function setXattrs(items: ReadonlyArray<{ path: string; xattrs: ReadonlyMap<string, Buffer> }>): void {
  if (items.length === 0) return;
  run('setfattr', ['-h', '--restore=-'], xattrDump(items));
}

/**
 * The value of the `user.rootlesscontainers` xattr recording the owner a rootless unpack could not
 * apply: the protobuf message `Resource { uint32 uid = 1; uint32 gid = 2; }`, zero fields omitted.
 * Encoded by hand: two varint fields do not justify a protobuf dependency.
 */
export function rootlessOwnerXattr(uid: number, gid: number): Buffer {
  const bytes: number[] = [];
  const varint = (value: number): void => {
    let v = value >>> 0;
    while (v >= 0x80) {
      bytes.push((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    bytes.push(v);
  };
  if (uid !== 0) {
    bytes.push(0x08);
    varint(uid);
  }
  if (gid !== 0) {
    bytes.push(0x10);
    varint(gid);
  }
  return Buffer.from(bytes);
}

/** Name of the xattr that records ownership in rootless unpacks (rootlesscontainers.io). */
export const ROOTLESS_XATTR = 'user.rootlesscontainers';
