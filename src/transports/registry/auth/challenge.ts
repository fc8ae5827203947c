/**
 * `WWW-Authenticate` parsing (RFC 7235 §4.1 and §2.1, RFC 7230 §3.2.6 for tokens and quoted
 * strings; spec-checklist §4.12). Written by hand because the grammar is small and every
 * registry header passes through it: commas separate both challenges and their parameters, so a
 * one-token lookahead decides which one follows.
 */
import { ErrorCode, OciError } from '../../../errors/index.ts';

/** One authentication challenge: a lower-cased scheme with auth-params, or a token68. */
export interface Challenge {
  /** The auth-scheme, lower-cased (schemes are case-insensitive, RFC 7235 §2.1). */
  scheme: string;
  /** Parameters by lower-cased name; the first occurrence of a repeated name wins. */
  params: Map<string, string>;
  /** The token68 form (`Negotiate abc==`), when the challenge carries one instead of params. */
  token68?: string;
}

/** Longest header value accepted; a registry sending more is misbehaving. */
const MAX_HEADER_LENGTH = 64 * 1024;

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68 = /[A-Za-z0-9\-._~+/]+=*/y;

function malformed(reason: string, position: number): OciError {
  return new OciError(
    ErrorCode.REGISTRY_ERROR,
    `malformed WWW-Authenticate header: ${reason} at offset ${position}`,
    {
      data: { position },
    },
  );
}

class Cursor {
  readonly text: string;
  pos = 0;

  constructor(text: string) {
    this.text = text;
  }

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string {
    return this.text[this.pos] ?? '';
  }

  /** Skips optional whitespace (SP / HTAB); returns how many characters were skipped. */
  skipSpace(): number {
    const start = this.pos;
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
    return this.pos - start;
  }

  token(): string {
    const start = this.pos;
    while (!this.done && TCHAR.test(this.peek())) this.pos++;
    return this.text.slice(start, this.pos);
  }

  quoted(): string {
    const start = this.pos;
    this.pos++; // opening quote
    let out = '';
    for (;;) {
      if (this.done) throw malformed('unterminated quoted string', start);
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x22) {
        this.pos++;
        return out;
      }
      if (c === 0x5c) {
        const next = this.text.charCodeAt(this.pos + 1);
        if (Number.isNaN(next) || !isQuotedPairChar(next))
          throw malformed('bad escape in quoted string', this.pos);
        out += this.text[this.pos + 1];
        this.pos += 2;
        continue;
      }
      if (!isQdText(c)) throw malformed('control character in quoted string', this.pos);
      out += this.text[this.pos];
      this.pos++;
    }
  }
}

function isQdText(c: number): boolean {
  return (
    c === 0x09 ||
    c === 0x20 ||
    c === 0x21 ||
    (c >= 0x23 && c <= 0x5b) ||
    (c >= 0x5d && c <= 0x7e) ||
    c >= 0x80
  );
}

function isQuotedPairChar(c: number): boolean {
  return c === 0x09 || c === 0x20 || (c >= 0x21 && c <= 0x7e) || c >= 0x80;
}

/** True when the cursor stands on `token BWS "="` (an auth-param), without moving it. */
function atParam(cur: Cursor): boolean {
  const save = cur.pos;
  const name = cur.token();
  cur.skipSpace();
  const isParam = name !== '' && cur.peek() === '=';
  cur.pos = save;
  return isParam;
}

/** Tries a token68 that runs to the end of the list element; moves the cursor only on success. */
function tryToken68(cur: Cursor): string | undefined {
  TOKEN68.lastIndex = cur.pos;
  const match = TOKEN68.exec(cur.text);
  if (match === null) return undefined;
  const save = cur.pos;
  cur.pos += match[0].length;
  cur.skipSpace();
  if (cur.done || cur.peek() === ',') return match[0];
  cur.pos = save;
  return undefined;
}

/** Skips list separators: whitespace and (possibly empty) comma-separated elements. */
function skipSeparators(cur: Cursor): void {
  while (cur.peek() === ',' || cur.peek() === ' ' || cur.peek() === '\t') cur.pos++;
}

function parseParams(cur: Cursor, params: Map<string, string>): void {
  for (;;) {
    const nameAt = cur.pos;
    const name = cur.token().toLowerCase();
    if (name === '') throw malformed('expected a parameter name', nameAt);
    cur.skipSpace();
    if (cur.peek() !== '=') throw malformed(`expected "=" after "${name}"`, cur.pos);
    cur.pos++;
    cur.skipSpace();
    const valueAt = cur.pos;
    const value = cur.peek() === '"' ? cur.quoted() : cur.token();
    if (value === '' && cur.text[valueAt] !== '"') throw malformed(`missing value of "${name}"`, valueAt);
    if (!params.has(name)) params.set(name, value);
    cur.skipSpace();
    if (cur.done) return;
    if (cur.peek() !== ',') throw malformed('expected "," between parameters', cur.pos);
    skipSeparators(cur);
    if (cur.done || !atParam(cur)) return; // the next element starts a new challenge
  }
}

function parseOne(header: string, out: Challenge[]): void {
  if (header.length > MAX_HEADER_LENGTH) throw malformed('header too long', MAX_HEADER_LENGTH);
  const cur = new Cursor(header);
  skipSeparators(cur);
  while (!cur.done) {
    const schemeAt = cur.pos;
    const scheme = cur.token();
    if (scheme === '') throw malformed('expected an auth-scheme', schemeAt);
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: new Map() };
    out.push(challenge);
    const spaced = cur.skipSpace() > 0;
    if (cur.done) return;
    if (cur.peek() === ',') {
      skipSeparators(cur);
      continue;
    }
    if (!spaced) throw malformed('expected a space after the auth-scheme', cur.pos);
    const token68 = tryToken68(cur);
    if (token68 !== undefined) {
      challenge.token68 = token68;
      skipSeparators(cur);
      continue;
    }
    parseParams(cur, challenge.params);
  }
}

/**
 * Parses one or several `WWW-Authenticate` header values into challenges, in order.
 * Throws OciError REGISTRY_ERROR on a value that does not follow RFC 7235; nothing else.
 */
export function parseWwwAuthenticate(headers: string | readonly string[]): Challenge[] {
  const out: Challenge[] = [];
  for (const header of typeof headers === 'string' ? [headers] : headers) parseOne(header, out);
  return out;
}

/** Quotes `value` as an RFC 7230 quoted-string, escaping `"` and `\`. */
export function quoteString(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** Formats challenges back into one header value that {@link parseWwwAuthenticate} reads identically. */
export function formatChallenges(challenges: readonly Challenge[]): string {
  return challenges
    .map((c) => {
      if (c.token68 !== undefined) return `${c.scheme} ${c.token68}`;
      const params = [...c.params].map(([name, value]) => `${name}=${quoteString(value)}`);
      return params.length === 0 ? c.scheme : `${c.scheme} ${params.join(', ')}`;
    })
    .join(', ');
}
