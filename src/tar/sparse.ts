/**
 * Sparse files in tar (GNU tar's `--sparse`): the archive stores only the data fragments of a
 * file and a map of where they lie; the holes between them read as zeros. Four encodings exist,
 * and Go's archive/tar (so umoci, containerd and Docker) reads three of them transparently:
 * - old GNU: type flag `S`, the map in the header and in extension blocks after it (read.ts);
 * - PAX 0.0: repeated `GNU.sparse.offset` / `GNU.sparse.numbytes` records;
 * - PAX 0.1: one `GNU.sparse.map` record, `offset,length,offset,length,...`;
 * - PAX 1.0: `GNU.sparse.major=1` / `minor=0`; the map is text at the start of the entry's data
 *   (a count, then an offset and a length per fragment, one decimal number per line), padded to a
 *   block.
 * The PAX forms carry the real name (`GNU.sparse.name`; the header's is `.../GNUSparseFile.N/...`)
 * and the real size (`GNU.sparse.size` or `GNU.sparse.realsize`). Read without this, a file comes
 * out under the wrong name with the map and the fragments as its content.
 */
import { ErrorCode, OciError } from '../errors/index.ts';
import type { ByteSource } from './bytes.ts';
import { BLOCK } from './header.ts';

/** `length` bytes of stored data that belong at `offset` in the expanded file. */
export interface SparseFragment {
  offset: number;
  length: number;
}

/** A sparse entry's map and the size of the file it expands to. */
export interface SparseMap {
  fragments: SparseFragment[];
  realSize: number;
}

/** Largest sparse map accepted, in bytes of its encoding (it is held in memory). */
const MAX_MAP_BYTES = 1 << 20;

/** Zeros handed out for holes, made on first use; read-only: every hole chunk is a view of it. */
let zeros: Buffer | undefined;
const HOLE_CHUNK = 1 << 20;

/** The longest decimal number a map holds (2^53 - 1 has 16 digits; a few more allow zero padding). */
const MAX_NUMBER_DIGITS = 24;

function invalid(message: string, entry: string): OciError {
  return new OciError(ErrorCode.INVALID_ARCHIVE, message, { data: { entry } });
}

function decimal(text: string, what: string, entry: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) {
    throw invalid(`invalid sparse ${what} ${JSON.stringify(text)} in ${JSON.stringify(entry)}`, entry);
  }
  return value;
}

/** Fragments from alternating offsets and lengths. */
function pairs(numbers: readonly string[], entry: string): SparseFragment[] {
  if (numbers.length % 2 !== 0)
    throw invalid(`odd number of values in the sparse map of ${JSON.stringify(entry)}`, entry);
  const out: SparseFragment[] = [];
  for (let i = 0; i < numbers.length; i += 2) {
    out.push({
      offset: decimal(numbers[i] as string, 'offset', entry),
      length: decimal(numbers[i + 1] as string, 'length', entry),
    });
  }
  return out;
}

/** What the PAX records say about a sparse file; `map` is absent for 1.0 (it is in the data). */
export interface PaxSparse {
  version: '0.x' | '1.0';
  name: string | undefined;
  realSize: number | undefined;
  fragments: SparseFragment[] | undefined;
}

/**
 * Reads the GNU sparse records of an entry's PAX records (0.0 records already joined into
 * `GNU.sparse.map` by parsePaxRecords); undefined when the entry is not sparse. A version other
 * than 0.0, 0.1 and 1.0 is refused rather than unpacked as its raw encoding.
 */
export function paxSparse(pax: ReadonlyMap<string, Buffer>, entry: string): PaxSparse | undefined {
  const major = pax.get('GNU.sparse.major')?.toString('latin1');
  const minor = pax.get('GNU.sparse.minor')?.toString('latin1');
  const map = pax.get('GNU.sparse.map')?.toString('latin1');
  let version: PaxSparse['version'];
  if (major === '1' && minor === '0') version = '1.0';
  else if (major === '0' && (minor === '0' || minor === '1')) version = '0.x';
  else if (major !== undefined || minor !== undefined) {
    throw new OciError(
      ErrorCode.INVALID_ARCHIVE,
      `unsupported GNU sparse format ${major ?? '?'}.${minor ?? '?'} for ${JSON.stringify(entry)}`,
      { data: { entry } },
    );
  } else if (map !== undefined && map !== '') version = '0.x';
  else return undefined;
  const name = pax.get('GNU.sparse.name')?.toString('utf8') || undefined;
  const size = (pax.get('GNU.sparse.size') ?? pax.get('GNU.sparse.realsize'))?.toString('latin1');
  let fragments: SparseFragment[] | undefined;
  if (version === '0.x') {
    if (map === undefined) throw invalid(`sparse file ${JSON.stringify(entry)} has no map`, entry);
    fragments = map === '' ? [] : pairs(map.split(','), entry);
    const count = pax.get('GNU.sparse.numblocks')?.toString('latin1');
    if (count !== undefined && decimal(count, 'fragment count', entry) !== fragments.length)
      throw invalid(
        `the sparse map of ${JSON.stringify(entry)} does not hold GNU.sparse.numblocks fragments`,
        entry,
      );
  }
  return {
    version,
    name,
    realSize: size === undefined ? undefined : decimal(size, 'size', entry),
    fragments,
  };
}

/**
 * Reads a PAX 1.0 map from the start of an entry's data (at most `dataSize` bytes, whole blocks):
 * the fragments, and the bytes the map took.
 */
export async function readDataMap(
  source: ByteSource,
  dataSize: number,
  entry: string,
): Promise<{ fragments: SparseFragment[]; bytes: number }> {
  const numbers: string[] = [];
  let wanted = 1;
  let line = '';
  let bytes = 0;
  while (numbers.length < wanted) {
    if (bytes + BLOCK > Math.min(dataSize, MAX_MAP_BYTES)) {
      throw invalid(`the sparse map of ${JSON.stringify(entry)} does not fit its data`, entry);
    }
    if (!(await source.ensure(BLOCK))) {
      throw invalid(`unexpected end of tar stream in the sparse map of ${JSON.stringify(entry)}`, entry);
    }
    const block = source.take(BLOCK).toString('latin1');
    bytes += BLOCK;
    // Each block is scanned once: a line is never longer than a number, so nothing grows.
    for (let at = 0; at < block.length && numbers.length < wanted; ) {
      const newline = block.indexOf('\n', at);
      line += block.slice(at, newline === -1 ? block.length : newline);
      if (line.length > MAX_NUMBER_DIGITS)
        throw invalid(`the sparse map of ${JSON.stringify(entry)} has a line that is no number`, entry);
      if (newline === -1) break;
      numbers.push(line);
      line = '';
      at = newline + 1;
      if (numbers.length === 1) wanted = 1 + 2 * decimal(numbers[0] as string, 'fragment count', entry);
    }
  }
  return { fragments: pairs(numbers.slice(1), entry), bytes };
}

/**
 * Checks a map against the data stored for it, as Go's archive/tar does: fragments in order,
 * not overlapping, within the real size, and their lengths adding up to the stored bytes.
 */
export function checkSparseMap(map: SparseMap, stored: number, entry: string): void {
  let end = 0;
  let total = 0;
  for (const { offset, length } of map.fragments) {
    if (offset < end || offset + length > map.realSize) {
      throw invalid(
        `the sparse map of ${JSON.stringify(entry)} has fragments out of order or past its size`,
        entry,
      );
    }
    end = offset + length;
    total += length;
  }
  if (total !== stored) {
    throw invalid(
      `the sparse map of ${JSON.stringify(entry)} names ${total} bytes of data, the archive holds ${stored}`,
      entry,
    );
  }
}

/** Hole chunks yielded between turns of the event loop, so a huge hole cannot starve timers and signals. */
const HOLES_PER_TURN = 1024;

/** `length` zero bytes as hole chunks (views of one shared buffer). */
async function* holes(length: number): AsyncGenerator<Buffer> {
  zeros ??= Buffer.alloc(HOLE_CHUNK);
  let count = 0;
  for (let left = length; left > 0; left -= HOLE_CHUNK) {
    if (++count % HOLES_PER_TURN === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    yield zeros.subarray(0, Math.min(left, HOLE_CHUNK));
  }
}

/**
 * The expanded content of a checked sparse file: hole chunks between the fragments, whose bytes
 * `data(n)` yields from the archive (exactly `n` bytes).
 */
export async function* sparseContent(
  map: SparseMap,
  data: (length: number) => AsyncIterable<Buffer>,
): AsyncGenerator<Buffer> {
  let position = 0;
  for (const { offset, length } of map.fragments) {
    yield* holes(offset - position);
    if (length > 0) yield* data(length);
    position = offset + length;
  }
  yield* holes(map.realSize - position);
}
