/**
 * COPY and ADD (Dockerfile reference): one or more sources and a destination, the last argument.
 * A source written as a heredoc (`COPY <<EOF /dest`) becomes an inline file holding the heredoc's
 * body; the destination cannot be one. COPY takes `--from --chown --chmod --link --parents
 * --exclude`; ADD takes `--chown --chmod --link --checksum --keep-git-dir --exclude --unpack`.
 */
import { HeredocNameError, parseHeredocWord } from '../syntax/heredoc.ts';
import type { Heredoc, SourcesAndDest } from '../types.ts';
import { base, type InstructionContext, type Of } from './context.ts';
import { parseFlags } from './flags.ts';

function heredocWord(word: string): ReturnType<typeof parseHeredocWord> {
  try {
    return parseHeredocWord(word);
  } catch (err) {
    if (err instanceof HeredocNameError) return undefined;
    throw err;
  }
}

function sourcesAndDest(ctx: InstructionContext): SourcesAndDest {
  const { args, json, heredocs, keyword } = ctx.raw;
  const dest = args[args.length - 1] as string;
  if (json) return { sources: args.slice(0, -1), dest, inline: [] };
  if (heredocWord(dest) !== undefined) throw ctx.error(`${keyword} cannot take a heredoc as its destination`);
  const byName = new Map(heredocs.map((heredoc) => [heredoc.name, heredoc]));
  const sources: string[] = [];
  const inline: Heredoc[] = [];
  for (const source of args.slice(0, -1)) {
    const word = heredocWord(source);
    if (word === undefined) sources.push(source);
    else inline.push(byName.get(word.name) ?? { ...word, content: '' });
  }
  return { sources, dest, inline };
}

function needsDestination(ctx: InstructionContext): void {
  if (ctx.raw.args.length < 2) {
    throw ctx.error(`${ctx.raw.keyword} needs at least two arguments: one or more sources and a destination`);
  }
}

/** Parses COPY. */
export function parseCopy(ctx: InstructionContext): Of<'COPY'> {
  needsDestination(ctx);
  const flags = parseFlags(ctx, {
    from: 'string',
    chown: 'string',
    chmod: 'string',
    link: 'bool',
    parents: 'bool',
    exclude: 'list',
  });
  const from = flags.string('from');
  const chown = flags.string('chown');
  const chmod = flags.string('chmod');
  return {
    kind: 'COPY',
    ...base(ctx),
    ...sourcesAndDest(ctx),
    ...(from === undefined ? {} : { from }),
    ...(chown === undefined ? {} : { chown }),
    ...(chmod === undefined ? {} : { chmod }),
    link: flags.bool('link'),
    parents: flags.bool('parents'),
    exclude: flags.list('exclude'),
  };
}

/** Parses ADD; `unpack` is set only when `--unpack` was given. */
export function parseAdd(ctx: InstructionContext): Of<'ADD'> {
  needsDestination(ctx);
  const flags = parseFlags(ctx, {
    chown: 'string',
    chmod: 'string',
    link: 'bool',
    'keep-git-dir': 'bool',
    checksum: 'string',
    unpack: 'bool',
    exclude: 'list',
  });
  const chown = flags.string('chown');
  const chmod = flags.string('chmod');
  const checksum = flags.string('checksum');
  return {
    kind: 'ADD',
    ...base(ctx),
    ...sourcesAndDest(ctx),
    ...(chown === undefined ? {} : { chown }),
    ...(chmod === undefined ? {} : { chmod }),
    link: flags.bool('link'),
    ...(checksum === undefined ? {} : { checksum }),
    keepGitDir: flags.bool('keep-git-dir'),
    exclude: flags.list('exclude'),
    ...(flags.has('unpack') ? { unpack: flags.bool('unpack') } : {}),
  };
}
