/** Shared helpers of the compression tests: deterministic data, stream plumbing, system tools. */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

const WORDS = [
  'usr',
  'lib',
  'bin',
  'etc',
  'share',
  'locale',
  'python3',
  'node_modules',
  'index.js',
  'README',
  '0644',
  'root',
];

/** Deterministic, fairly compressible pseudo-text (a xorshift stream picking words and bytes). */
export function textData(size: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = seed | 0 || 1;
  let pos = 0;
  while (pos < size) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const word =
      (x & 7) === 0
        ? String.fromCharCode(33 + ((x >>> 8) % 90))
        : (WORDS[(x >>> 4) % WORDS.length] as string);
    pos += out.write(`${word}${(x & 0x30) === 0 ? '\n' : '/'}`, pos, 'latin1');
  }
  return out;
}

/** Deterministic incompressible bytes. */
export function noiseData(size: number, seed = 7): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = seed | 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Reads a stream to the end. */
export async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A Readable yielding `data` cut at the given chunk sizes (the rest in one final chunk). */
export function chunked(data: Buffer, sizes: readonly number[]): Readable {
  const parts: Buffer[] = [];
  let offset = 0;
  for (const size of sizes) {
    if (offset >= data.length) break;
    parts.push(data.subarray(offset, offset + size));
    offset += size;
  }
  if (offset < data.length) parts.push(data.subarray(offset));
  return Readable.from(parts, { objectMode: false });
}

/** Hex sha256 of bytes. */
export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Runs a program with `input` on stdin and returns its stdout; rejects with stderr when it fails. */
export function filter(file: string, args: string[], input: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`${file} ${args.join(' ')} exited ${code}: ${Buffer.concat(err).toString()}`));
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}
