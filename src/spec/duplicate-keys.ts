/**
 * Checks the structure JSON.parse does not: duplicated object keys (considerations.md: I-JSON,
 * RFC 7493 §2.3, objects MUST NOT contain duplicate names; JSON.parse silently keeps the last one)
 * and nesting depth (JSON.parse is iterative and accepts any depth, but structuredClone and
 * JSON.stringify recurse, so a hostile document nested 100k levels deep would later crash them).
 * Written by hand because it is on the hot path of every document read and no maintained library
 * reports duplicates without a full second parser; it walks the text once and only materialises
 * keys. It runs before JSON.parse, so it tolerates invalid text (JSON.parse rejects it next).
 */
import type { PathSegment } from './errors.ts';

/** Deepest nesting of arrays and objects accepted; real OCI documents use fewer than ten levels. */
export const MAX_JSON_DEPTH = 256;

/** What the scan found wrong: the first duplicated key, or the first value nesting too deeply. */
export interface JsonStructureIssue {
  readonly kind: 'duplicate-key' | 'too-deep';
  /** JSON path of the duplicated key, or of the container opened beyond the depth limit. */
  readonly path: PathSegment[];
}

interface Frame {
  /** Keys seen in this object; undefined for an array. */
  keys: Set<string> | undefined;
  /** Current key (object) or index (array), for the reported path. */
  at: PathSegment;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Scans JSON `text` (valid or not) and returns its first structural issue: an object or array
 * opened more than `maxDepth` levels deep (reported as soon as it is seen, so before any
 * duplicate later in the text), or a duplicated object key. Undefined when there is none.
 */
export function findStructureIssue(text: string, maxDepth = MAX_JSON_DEPTH): JsonStructureIssue | undefined {
  const stack: Frame[] = [];
  let duplicate: PathSegment[] | undefined;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      const top = stack[stack.length - 1];
      if (expectKey && top?.keys !== undefined) {
        const key = keyText(text, i, end);
        if (duplicate === undefined && top.keys.has(key)) duplicate = [...pathOf(stack).slice(0, -1), key];
        top.keys.add(key);
        top.at = key;
        expectKey = false;
      }
      i = end;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (stack.length >= maxDepth) return { kind: 'too-deep', path: pathOf(stack) };
      stack.push(c === 0x7b ? { keys: new Set(), at: '' } : { keys: undefined, at: 0 });
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.keys !== undefined) expectKey = true;
      else if (top !== undefined) top.at = (top.at as number) + 1;
    }
  }
  return duplicate === undefined ? undefined : { kind: 'duplicate-key', path: duplicate };
}

function pathOf(stack: readonly Frame[]): PathSegment[] {
  return stack.map((frame) => frame.at);
}

/** The decoded key of the string spanning `start`..`end` (its quotes); raw text if it is invalid. */
function keyText(text: string, start: number, end: number): string {
  const raw = text.slice(start + 1, end);
  if (!raw.includes('\\')) return raw;
  try {
    return JSON.parse(text.slice(start, end + 1)) as string;
  } catch {
    return raw; // invalid escape: JSON.parse of the whole document reports it
  }
}

/** Index of the quote closing the string that opens at `start`. */
function stringEnd(text: string, start: number): number {
  let j = start + 1;
  for (;;) {
    const q = text.indexOf('"', j);
    if (q < 0) return text.length;
    let slashes = 0;
    for (let k = q - 1; k > start && text.charCodeAt(k) === BACKSLASH; k--) slashes++;
    if (slashes % 2 === 0) return q;
    j = q + 1;
  }
}
