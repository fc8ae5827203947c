/** Shared fixtures for the tar tests: a sample tree with every entry type, and stream helpers. */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  lchownSync,
  linkSync,
  lutimesSync,
  mkdirSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { Readable } from 'node:stream';

/** Collects a stream into one Buffer. */
export async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

/** A Readable yielding `bytes` in chunks of `size` (to exercise chunk boundaries). */
export function chunked(bytes: Buffer, size = 7919): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return Readable.from(parts);
}

/**
 * Writes a tree with regular files (one setuid, one 0 mode, one large), nested directories, a
 * read-only directory, relative and absolute symlinks, a hard link pair, a fifo, a character
 * device, odd owners, a long and a non-ASCII name; fixed mtimes.
 */
export function writeSampleTree(root: string): void {
  mkdirSync(`${root}/etc/app.d`, { recursive: true });
  writeFileSync(`${root}/etc/passwd`, 'root:x:0:0:root:/root:/bin/sh\n');
  writeFileSync(`${root}/etc/app.d/conf`, 'key=value\n');
  mkdirSync(`${root}/usr/bin`, { recursive: true });
  writeFileSync(`${root}/usr/bin/tool`, Buffer.alloc(300_000, 7));
  chmodSync(`${root}/usr/bin/tool`, 0o4755);
  writeFileSync(`${root}/usr/bin/hidden`, 'secret');
  chmodSync(`${root}/usr/bin/hidden`, 0);
  linkSync(`${root}/usr/bin/tool`, `${root}/usr/bin/tool-alias`);
  symlinkSync('usr/bin', `${root}/bin`);
  symlinkSync('/etc/passwd', `${root}/usr/passwd-link`);
  const long = `${'d'.repeat(90)}/${'e'.repeat(90)}`;
  mkdirSync(`${root}/${long}`, { recursive: true });
  writeFileSync(`${root}/${long}/${'f'.repeat(120)}`, 'long');
  writeFileSync(`${root}/caf\u00e9-\u65e5\u672c`, 'utf8 name');
  writeFileSync(`${root}/owned`, 'owned');
  lchownSync(`${root}/owned`, 1234, 5678);
  lchownSync(`${root}/bin`, 42, 43);
  spawnSync('mkfifo', ['-m', '0640', `${root}/pipe`]);
  spawnSync('mknod', ['-m', '0600', `${root}/null-dev`, 'c', '1', '3']);
  mkdirSync(`${root}/ro`);
  writeFileSync(`${root}/ro/file`, 'in a read-only dir');
  chmodSync(`${root}/ro`, 0o555);
  writeFileSync(`${root}/empty`, '');
  const when = 1_650_000_000;
  const paths = [
    'etc/passwd',
    'etc/app.d/conf',
    'etc/app.d',
    'etc',
    'usr/bin/tool',
    'usr/bin/hidden',
    'usr/bin',
    'usr',
    `${long}/${'f'.repeat(120)}`,
    long,
    `${'d'.repeat(90)}`,
    'caf\u00e9-\u65e5\u672c',
    'owned',
    'pipe',
    'null-dev',
    'ro/file',
    'ro',
    'empty',
  ];
  paths.forEach((p, i) => {
    utimesSync(`${root}/${p}`, when + i, when + i);
  });
  lutimesSync(`${root}/bin`, when - 5, when - 5);
  lutimesSync(`${root}/usr/passwd-link`, when - 6, when - 6);
  utimesSync(`${root}/usr`, when, when);
}
