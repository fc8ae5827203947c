/**
 * `COPY --chmod` values as BuildKit reads them: an octal number up to 07777 replaces the
 * permission bits of everything copied (directories included, symlinks excepted), or a symbolic
 * mode in chmod(1) syntax (`u+x`, `go-w`, `a=rX`, comma-separated clauses) applied to each
 * file's own mode with a zero umask.
 */
import { ErrorCode, OciError } from '../../errors/index.ts';

/** A parsed `--chmod`: how to compute the new permission bits from a file's mode. */
export type ChmodSpec = (mode: number, isDir: boolean) => number;

const OCTAL = /^[0-7]+$/;
const CLAUSE = /^([ugoa]*)((?:[-+=](?:[rwxXst]*|[ugo]))+)$/;
const WHO_BITS: Record<string, number> = { u: 0o4700, g: 0o2070, o: 0o1007, a: 0o7777 };

function invalid(value: string): OciError {
  return new OciError(
    ErrorCode.INVALID_ARGUMENT,
    `invalid chmod parameter: '${value}'. it should be octal string and between 0 and 07777`,
    { data: { chmod: value } },
  );
}

/** The bits a permission letter stands for within the classes `who` selects. */
function permBits(letters: string, who: number, mode: number, isDir: boolean): number {
  let bits = 0;
  for (const l of letters) {
    if (l === 'r') bits |= 0o444;
    else if (l === 'w') bits |= 0o222;
    else if (l === 'x') bits |= 0o111;
    else if (l === 'X') {
      if (isDir || (mode & 0o111) !== 0) bits |= 0o111;
    } else if (l === 's') bits |= 0o6000;
    else if (l === 't') bits |= 0o1000;
  }
  return bits & who;
}

/** Copies the permissions of class `from` (u, g or o) onto every class. */
function copyClass(from: string, mode: number): number {
  const shift = from === 'u' ? 6 : from === 'g' ? 3 : 0;
  const rwx = (mode >> shift) & 0o7;
  return (rwx << 6) | (rwx << 3) | rwx;
}

/** Parses `--chmod`; INVALID_ARGUMENT for anything neither octal (≤ 07777) nor symbolic. */
export function parseChmod(value: string): ChmodSpec {
  if (OCTAL.test(value)) {
    const mode = Number.parseInt(value, 8);
    if (mode > 0o7777) throw invalid(value);
    return () => mode;
  }
  if (/^[0-9]+$/.test(value)) throw invalid(value);
  const clauses = value.split(',').map((clause) => {
    const m = CLAUSE.exec(clause);
    if (m === null) {
      throw new OciError(ErrorCode.INVALID_ARGUMENT, `invalid chmod parameter: '${value}'`, {
        data: { chmod: value },
      });
    }
    const who = (m[1] as string) === '' ? 'a' : (m[1] as string);
    let whoMask = 0;
    for (const w of who) whoMask |= WHO_BITS[w] as number;
    const actions = [...(m[2] as string).matchAll(/([-+=])([rwxXst]*|[ugo])/g)].map((a) => ({
      op: a[1] as string,
      perm: a[2] as string,
    }));
    return { whoMask, actions };
  });
  return (mode, isDir) => {
    let next = mode & 0o7777;
    for (const { whoMask, actions } of clauses) {
      for (const { op, perm } of actions) {
        const bits = /^[ugo]$/.test(perm)
          ? copyClass(perm, next) & whoMask
          : permBits(perm, whoMask, next, isDir);
        if (op === '+') next |= bits;
        else if (op === '-') next &= ~bits;
        else next = (next & ~(whoMask & 0o7777)) | bits;
      }
    }
    return next & 0o7777;
  };
}
