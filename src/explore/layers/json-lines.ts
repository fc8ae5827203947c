/**
 * Files of one JSON value per line, as the explorer's on-disk listings, sorted runs and paged
 * lists keep them: read back as a stream from a byte offset, one chunk's lines at a time. Lines
 * are cut at byte 10 before they are decoded, so a character whose UTF-8 bytes straddle two
 * chunks is never split (JSON text escapes every newline inside a string, so byte 10 only ever
 * ends a line).
 */
import { createReadStream } from 'node:fs';

/** Yields the lines of `file` from byte `start` (a line start), without their newlines, one array per chunk read. */
export async function* readLines(file: string, start = 0, highWaterMark = 1 << 16): AsyncGenerator<string[]> {
  const stream = createReadStream(file, { start, highWaterMark });
  let rest: Buffer | undefined;
  try {
    for await (const chunk of stream) {
      const bytes = rest === undefined ? (chunk as Buffer) : Buffer.concat([rest, chunk as Buffer]);
      const lines: string[] = [];
      let from = 0;
      for (let newline = bytes.indexOf(10); newline !== -1; newline = bytes.indexOf(10, from)) {
        lines.push(bytes.toString('utf8', from, newline));
        from = newline + 1;
      }
      rest = from < bytes.length ? bytes.subarray(from) : undefined;
      if (lines.length > 0) yield lines;
    }
    if (rest !== undefined) yield [rest.toString('utf8')];
  } finally {
    stream.destroy();
  }
}

/** Yields the values of the lines of `file` from byte `start` (a line start), one array per chunk read. */
export async function* readJsonLines<T>(
  file: string,
  start = 0,
  highWaterMark = 1 << 16,
): AsyncGenerator<T[]> {
  for await (const lines of readLines(file, start, highWaterMark)) {
    yield lines.map((line) => JSON.parse(line) as T);
  }
}
