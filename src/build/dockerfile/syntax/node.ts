/**
 * One joined instruction line into keyword, flags and arguments, with the argument shape of each
 * instruction (BuildKit's line parsers): exec-or-shell (RUN, CMD, ENTRYPOINT, SHELL), exec-or-words
 * (COPY, ADD, VOLUME), blank-separated words (FROM, EXPOSE), quoted words (ARG), key=value pairs
 * (ENV, LABEL), one string (MAINTAINER, USER, WORKDIR, STOPSIGNAL), a type and a command
 * (HEALTHCHECK) and a nested instruction (ONBUILD).
 */
import { isGoSpace, splitBlanks, splitBlanksOnce } from './chars.ts';
import { NotStringArrayError, parseJsonArray } from './json-form.ts';
import { type FlagWord, splitCommand } from './split-command.ts';
import { splitWords } from './words.ts';

type Shape = 'list' | 'words' | 'maybeJson' | 'nameVal' | 'blanks' | 'health' | 'string' | 'sub';

/** The instructions and how their arguments are read, by lower-case keyword. */
const SHAPES: ReadonlyMap<string, Shape> = new Map<string, Shape>([
  ['add', 'list'],
  ['arg', 'words'],
  ['cmd', 'maybeJson'],
  ['copy', 'list'],
  ['entrypoint', 'maybeJson'],
  ['env', 'nameVal'],
  ['expose', 'blanks'],
  ['from', 'blanks'],
  ['healthcheck', 'health'],
  ['label', 'nameVal'],
  ['maintainer', 'string'],
  ['onbuild', 'sub'],
  ['run', 'maybeJson'],
  ['shell', 'maybeJson'],
  ['stopsignal', 'string'],
  ['user', 'string'],
  ['volume', 'list'],
  ['workdir', 'string'],
]);

/** The instruction keywords, in upper case. */
export const KEYWORDS: readonly string[] = [...SHAPES.keys()].map((k) => k.toUpperCase());

/** A problem in the arguments of an instruction, at `offset` in its text. */
export class SyntaxProblem extends Error {
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

/** An instruction taken apart (before heredoc bodies are read); offsets are into its `original`. */
export interface NodeDraft {
  readonly keyword: string;
  readonly keywordAsWritten: string;
  readonly keywordOffset: number;
  readonly flags: readonly FlagWord[];
  readonly args: readonly string[];
  readonly json: boolean;
  readonly original: string;
  /** For ONBUILD, the instruction inside and where its text starts in `original`. */
  readonly inner?: { readonly draft: NodeDraft; readonly offset: number };
}

interface Parsed {
  readonly args: readonly string[];
  readonly json: boolean;
}

const NONE: Parsed = { args: [], json: false };

function maybeJson(rest: string, offset: number): Parsed {
  if (rest === '') return NONE;
  const strings = jsonArgs(rest, offset);
  return strings === undefined ? { args: [rest], json: false } : { args: strings, json: true };
}

function jsonArgs(rest: string, offset: number): string[] | undefined {
  try {
    return parseJsonArray(rest);
  } catch (err) {
    if (err instanceof NotStringArrayError) {
      throw new SyntaxProblem('a JSON array of arguments (exec form) may hold strings only', offset);
    }
    throw err;
  }
}

function nameValue(keyword: string, rest: string, offset: number, escapeChar: string): Parsed {
  const words = splitWords(rest, escapeChar);
  const first = words[0];
  if (first === undefined) return NONE;
  if (!first.includes('=')) {
    const parts = splitBlanksOnce(rest);
    if (parts.length < 2) {
      throw new SyntaxProblem(`${keyword} needs a name and a value: ${keyword} name=value`, offset);
    }
    return { args: parts, json: false };
  }
  for (const word of words) {
    if (!word.includes('=')) {
      throw new SyntaxProblem(
        `${keyword} expects name=value pairs; there is no = in ${JSON.stringify(word.slice(0, 80))}`,
        offset,
      );
    }
  }
  return { args: words, json: false };
}

function health(rest: string, offset: number): Parsed {
  if (rest === '') return NONE;
  let sep = 0;
  while (sep < rest.length && !isGoSpace(rest[sep] as string)) sep++;
  let next = sep;
  while (next < rest.length && isGoSpace(rest[next] as string)) next++;
  const command = maybeJson(rest.slice(next), offset + next);
  return { args: [rest.slice(0, sep), ...command.args], json: command.json };
}

/**
 * Takes one joined instruction apart. `nested` is true for the instruction inside an ONBUILD,
 * whose own ONBUILD (an error later anyway) is not looked into, so nesting stays shallow.
 */
export function draftNode(line: string, escapeChar: string, nested = false): NodeDraft {
  const split = splitCommand(line, escapeChar);
  const lower = split.keyword.toLowerCase();
  const shape = SHAPES.get(lower);
  const keyword = shape === undefined ? split.keyword.toUpperCase() : lower.toUpperCase();
  const { rest, restOffset } = split;
  let parsed: Parsed = NONE;
  let inner: NodeDraft['inner'];
  switch (shape) {
    case 'list': {
      const strings = rest === '' ? undefined : jsonArgs(rest, restOffset);
      parsed =
        strings === undefined
          ? { args: rest === '' ? [] : splitBlanks(rest), json: false }
          : { args: strings, json: true };
      break;
    }
    case 'words':
      parsed = { args: splitWords(rest, escapeChar), json: false };
      break;
    case 'maybeJson':
      parsed = maybeJson(rest, restOffset);
      break;
    case 'nameVal':
      parsed = nameValue(keyword, rest, restOffset, escapeChar);
      break;
    case 'blanks':
      parsed = { args: rest === '' ? [] : splitBlanks(rest), json: false };
      break;
    case 'health':
      parsed = health(rest, restOffset);
      break;
    case 'string':
      parsed = { args: rest === '' ? [] : [rest], json: false };
      break;
    case 'sub':
      if (rest !== '') {
        parsed = { args: [rest], json: false };
        if (!nested) inner = { draft: draftNode(rest, escapeChar, true), offset: restOffset };
      }
      break;
    case undefined:
      break;
  }
  return {
    keyword,
    keywordAsWritten: split.keyword,
    keywordOffset: split.keywordOffset,
    flags: split.flags,
    args: parsed.args,
    json: parsed.json,
    original: line,
    ...(inner === undefined ? {} : { inner }),
  };
}

const HEREDOC_KEYWORDS = new Set(['RUN', 'COPY', 'ADD']);

/** True when heredocs are read for this instruction: shell-form RUN, COPY, ADD, also inside ONBUILD. */
export function takesHeredocs(draft: NodeDraft): boolean {
  const target = draft.keyword === 'ONBUILD' && draft.inner !== undefined ? draft.inner.draft : draft;
  return HEREDOC_KEYWORDS.has(target.keyword) && !target.json;
}
