/**
 * Files of one JSON value per line, as the explorer's on-disk listings keep them: read back as a
 * stream from a byte offset, one chunk's lines at a time, with only that chunk held.
 */
import { createReadStream } from 'node:fs';

/** Yields the values of the lines of `file` from byte `start` (a line start), one array per chunk read. */
export async function* readJsonLines<T>(
  file: string,
  start = 0,
  highWaterMark = 1 << 16,
): AsyncGenerator<T[]> {
  const stream = createReadStream(file, { start, highWaterMark });
  let rest = '';
  try {
    for await (const chunk of stream) {
      const lines = (rest + (chunk as Buffer).toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      if (lines.length > 0) yield lines.map((line) => JSON.parse(line) as T);
    }
    if (rest !== '') yield [JSON.parse(rest) as T];
  } finally {
    stream.destroy();
  }
}
