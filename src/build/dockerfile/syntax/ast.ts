/**
 * The Dockerfile syntax tree (BuildKit's frontend/dockerfile/parser): lines are read one at a time;
 * parser directives come first; comment lines (first non-blank character `#`) are dropped, also in
 * the middle of a continued instruction; an escape character at the end of a line continues the
 * instruction on the next line (blank-only lines in between are skipped with a warning); heredoc
 * bodies follow the line that opened them. Keywords are case-insensitive; unknown ones are kept,
 * for the typed layer to reject.
 */
import { ErrorCode } from '../../../errors/index.ts';
import { type DockerfilePlace, dockerfileError } from '../errors.ts';
import type { BuildWarning, DockerfileAst, Heredoc, RawInstruction, SourceRange } from '../types.ts';
import { skipGoSpace } from './chars.ts';
import { trimContinuation } from './continuation.ts';
import { DirectiveReader } from './directives.ts';
import { chompTabs, HeredocNameError, type HeredocWord, heredocsInLine } from './heredoc.ts';
import { type Line, Lines, withoutCarriageReturns } from './lines.ts';
import { draftNode, type NodeDraft, SyntaxProblem, takesHeredocs } from './node.ts';
import { recordPositions, SourceMap } from './positions.ts';

/** Options of {@link parseDockerfileAst}. */
export interface ParseOptions {
  /** The file name used in messages and ranges (default `Dockerfile`). */
  readonly file?: string;
}

/** One instruction's lines put together. */
interface Joined {
  readonly text: string;
  readonly map: SourceMap;
  readonly startLine: number;
  endLine: number;
  readonly emptyContinuation: boolean;
}

/** Joins the continuation lines that follow `first` (already without leading blanks) onto it. */
function joinLines(lines: Lines, line: Line, lead: number, first: string, escapeChar: string): Joined {
  let piece = trimContinuation(first, escapeChar);
  const map = new SourceMap();
  map.add(0, line.number, lead + 1);
  let text = piece.text;
  let endLine = line.number;
  let emptyContinuation = false;
  while (piece.continues) {
    const next = lines.take();
    if (next === undefined) break;
    endLine = next.number;
    const body = withoutCarriageReturns(next.text);
    const start = skipGoSpace(body);
    if (body[start] === '#') continue;
    if (start === body.length) {
      emptyContinuation = true;
      continue;
    }
    piece = trimContinuation(body, escapeChar);
    map.add(text.length, next.number, 1);
    text += piece.text;
  }
  return { text, map, startLine: line.number, endLine, emptyContinuation };
}

/** Reads the body of each heredoc in turn from the lines after the instruction. */
function readHeredocs(
  lines: Lines,
  words: readonly HeredocWord[],
  joined: Joined,
  place: DockerfilePlace,
): Heredoc[] {
  return words.map((word) => {
    let content = '';
    for (let body = lines.take(); body !== undefined; body = lines.take()) {
      joined.endLine = body.number;
      const candidate = withoutCarriageReturns(body.text);
      if ((word.chomp ? candidate.replace(/^\t+/, '') : candidate) === word.name) {
        return {
          name: word.name,
          content: word.chomp ? chompTabs(content) : content,
          expand: word.expand,
          chomp: word.chomp,
        };
      }
      content += lines.asWritten(body);
    }
    throw dockerfileError(
      ErrorCode.INVALID_ARGUMENT,
      { ...place, endLine: joined.endLine },
      `unterminated heredoc: no line ${JSON.stringify(word.name.slice(0, 80))} closes the heredoc opened here`,
    );
  });
}

function toRaw(
  draft: NodeDraft,
  heredocs: readonly Heredoc[],
  range: SourceRange,
  map: SourceMap,
  base: number,
): RawInstruction {
  const inner = draft.inner && toRaw(draft.inner.draft, heredocs, range, map, base + draft.inner.offset);
  const raw: RawInstruction = {
    keyword: draft.keyword,
    keywordAsWritten: draft.keywordAsWritten,
    flags: draft.flags.map((flag) => flag.text),
    args: draft.args,
    json: draft.json,
    original: draft.original,
    heredocs,
    range,
    ...(inner === undefined ? {} : { inner }),
  };
  const flagOffsets = draft.flags.map((flag) => flag.offset);
  recordPositions(raw, map, base, draft.keywordOffset, flagOffsets);
  return raw;
}

/** The instruction's heredoc words; a name that cannot be lexed is an error at the instruction. */
function heredocWords(draft: NodeDraft, joined: Joined, place: DockerfilePlace): HeredocWord[] {
  if (!takesHeredocs(draft)) return [];
  try {
    return heredocsInLine(joined.text);
  } catch (err) {
    if (err instanceof HeredocNameError)
      throw dockerfileError(ErrorCode.INVALID_ARGUMENT, place, err.message);
    throw err;
  }
}

/**
 * Parses Dockerfile text into directives, raw instructions (continuations joined, comments dropped,
 * heredoc bodies attached, nothing expanded) and warnings. Throws OciError INVALID_ARGUMENT, its
 * message starting `Dockerfile:LINE:`, for a repeated or invalid directive, a JSON argument array
 * holding non-strings, ENV/LABEL without `=` or a value, an unreadable heredoc name, an unterminated
 * heredoc, or a file with no instructions.
 */
export function parseDockerfileAst(text: string, options: ParseOptions = {}): DockerfileAst {
  const file = options.file ?? 'Dockerfile';
  const lines = new Lines(text);
  const directives = new DirectiveReader(file);
  const instructions: RawInstruction[] = [];
  const warnings: BuildWarning[] = [];
  for (let line = lines.take(); line !== undefined; line = lines.take()) {
    const stripped = withoutCarriageReturns(line.text);
    const lead = skipGoSpace(stripped);
    const first = stripped.slice(lead);
    if (directives.take(first, line.number) || first.startsWith('#')) continue;
    const { text: rest, continues } = trimContinuation(first, directives.escape);
    if (!continues && rest === '') continue;
    const joined = joinLines(lines, line, lead, first, directives.escape);
    const place = (offset: number): DockerfilePlace => {
      const at = joined.map.locate(offset);
      return { file, line: at?.line ?? joined.startLine, column: at?.column ?? 1, endLine: joined.endLine };
    };
    let draft: NodeDraft;
    try {
      draft = draftNode(joined.text, directives.escape);
    } catch (err) {
      if (err instanceof SyntaxProblem) {
        throw dockerfileError(ErrorCode.INVALID_ARGUMENT, place(err.offset), err.message);
      }
      throw err;
    }
    const range = { file, startLine: joined.startLine, endLine: joined.endLine };
    if (joined.emptyContinuation) {
      warnings.push({
        message: `empty continuation line in ${draft.keyword}; such lines will become errors in a future release`,
        range,
      });
    }
    const heredocs = readHeredocs(
      lines,
      heredocWords(draft, joined, place(draft.keywordOffset)),
      joined,
      place(draft.keywordOffset),
    );
    instructions.push(toRaw(draft, heredocs, { ...range, endLine: joined.endLine }, joined.map, 0));
  }
  if (instructions.length === 0) {
    throw dockerfileError(
      ErrorCode.INVALID_ARGUMENT,
      { file, line: Math.max(1, lines.count) },
      'the Dockerfile has no instructions',
    );
  }
  return { directives: directives.result(), instructions, warnings };
}
