/**
 * Line continuation (Dockerfile reference, "Format"): a line whose last non-blank character is the
 * escape character continues on the next line, unless that escape character is itself escaped
 * (`\\` at the end is a literal backslash). Only spaces and tabs may follow it.
 */

/** The line without its continuation mark, and whether the instruction goes on. */
export interface Continued {
  readonly text: string;
  readonly continues: boolean;
}

/** Strips a trailing continuation mark (escape character followed by spaces or tabs) from one line. */
export function trimContinuation(line: string, escapeChar: string): Continued {
  let end = line.length;
  while (end > 0 && (line[end - 1] === ' ' || line[end - 1] === '\t')) end--;
  if (end === 0 || line[end - 1] !== escapeChar) return { text: line, continues: false };
  if (end === 1) return { text: '', continues: true };
  if (line[end - 2] === escapeChar) return { text: line, continues: false };
  return { text: line.slice(0, end - 1), continues: true };
}
