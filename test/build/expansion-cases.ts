// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Dockerfile words, not templates.
/**
 * The expansion table: one row per behaviour of Dockerfile word expansion (BuildKit's shell
 * lexer semantics), written for this project. Each row is a word, the variables in scope (the
 * defaults below, plus the row's own), and what the word becomes, or the error code it fails
 * with. `words` is the result of splitting (processWords); when absent only the single-string
 * expansion (processWord) is checked.
 */
import type { ShellLexerOptions } from '../../src/build/shell/types.ts';

/** One row of the table. */
export interface ExpansionCase {
  readonly word: string;
  /** Variables added to (or overriding) {@link DEFAULT_ENV} for this row. */
  readonly env?: Readonly<Record<string, string>>;
  readonly escape?: '\\' | '`';
  readonly options?: ShellLexerOptions;
  /** processWord's result. */
  readonly result?: string;
  /** processWords' result. */
  readonly words?: readonly string[];
  /** The OciError code both processWord and processWords fail with. */
  readonly error?: 'INVALID_ARGUMENT' | 'UNSUPPORTED';
  /** A fragment the error message must contain. */
  readonly message?: string;
  /** Why the row is as it is, where that is not obvious. */
  readonly why?: string;
}

/** The variables every row sees. */
export const DEFAULT_ENV: Readonly<Record<string, string>> = {
  NAME: 'app',
  EMPTY: '',
  HOME: '/home/builder',
  SPACED: '  two  words ',
  FILE: 'archive.tar.gz',
  PATHV: '/usr/local/bin/tool',
  SLASHES: '/a/b/c',
  STARS: '**x**',
  QMARK: '?a?',
  BRACE: '}x',
  BRK: '[a]rest',
  BS: 'a\\b',
  PREFIX: 'ap',
  GREETING: 'héllo wörld',
  ROCKET: '🚀x🚀',
  LINES: 'a\nb',
  URL: 'http://x.test/a',
  DOLLAR: '$1',
  OS: 'linux',
  ARCH: 'arm64',
  V1: 'one',
  _under: 'u',
  ÜBER: 'over',
};

const r = String.raw;
/** `sub`{V#p}`` is the raw text `${V#p}` (a template literal cannot start `${` literally). */
const sub = (text: TemplateStringsArray): string => `$${text.raw.join('')}`;
const ok = (word: string, result: string, extra: Partial<ExpansionCase> = {}): ExpansionCase => ({
  word,
  result,
  ...extra,
});
const bad = (
  word: string,
  error: 'INVALID_ARGUMENT' | 'UNSUPPORTED',
  extra: Partial<ExpansionCase> = {},
): ExpansionCase => ({ word, error, ...extra });
const tick = { escape: '`' } as const;

/** The rows, grouped by rule. */
export const EXPANSION_CASES: readonly ExpansionCase[] = [
  // Plain text and a `$` that starts no name.
  ok('plain', 'plain', { words: ['plain'] }),
  ok('', '', { words: [] }),
  ok('a b  c', 'a b  c', { words: ['a', 'b', 'c'] }),
  ok('$', '$'),
  ok('cost$', 'cost$'),
  ok('$.x', '$.x'),
  ok('$/etc', '$/etc'),
  ok('$ x', '$ x', { words: ['$', 'x'] }),
  ok('a$=b', 'a$=b'),
  ok('$%', '$%'),
  ok('$"NAME"', '$NAME', { why: 'a quote is no name character: the $ stays, the quotes go' }),
  ok("$'x'", '$x'),

  // Plain references.
  ok('$NAME', 'app', { words: ['app'] }),
  ok('${NAME}', 'app'),
  ok('$NAME.tar', 'app.tar'),
  ok('${NAME}s', 'apps'),
  ok('$NAMEs', '', { why: 'the name runs as far as name characters go' }),
  ok('$UNSET', '', { words: [] }),
  ok('pre${UNSET}post', 'prepost'),
  ok('$NAME$NAME', 'appapp'),
  ok('$name', '', { why: 'names are case-sensitive' }),
  ok('$_under', 'u'),
  ok('$V1', 'one'),
  ok('$V1x', ''),
  ok('$NAME-x', 'app-x'),
  ok('${HOME}/bin', '/home/builder/bin'),
  ok('$ÜBER', 'over', { why: 'letters outside ASCII are name characters' }),
  ok('${ÜBER}!', 'over!'),
  ok('x$EMPTY.y', 'x.y'),

  // Positional and special parameters are never set in a Dockerfile.
  ok('$1', ''),
  ok('${1}', ''),
  ok('$12ab', 'ab', { why: 'a positional name is its digits only' }),
  ok('${1:-one}', 'one'),
  ok('$0', ''),
  ok('$@x', 'x'),
  ok('$*', ''),
  ok('$#', ''),
  ok('$?', ''),
  ok('$$', ''),
  ok('$!', ''),
  ok('$-x', 'x'),
  ok('${#}', ''),
  ok('${@:-all}', 'all'),
  ok('${007:+set}', ''),

  // Single quotes: everything literal, no escapes.
  ok("'single $NAME'", 'single $NAME'),
  ok(r`'a\b'`, r`a\b`),
  ok("'it''s'", 'its'),
  ok(`'say "hi"'`, 'say "hi"'),
  ok("'abc\\'", 'abc\\', { why: 'a backslash cannot escape the closing single quote' }),
  bad("'abc", 'INVALID_ARGUMENT', { message: 'single quote' }),
  ok("''", '', { words: [] }),
  ok("ab'cd'ef", 'abcdef'),
  ok("'a  b'", 'a  b', { words: ['a  b'] }),
  ok("'${}'", '${}'),

  // Double quotes: $ expands; the escape character escapes only $, " and itself.
  ok('"double $NAME"', 'double app'),
  ok(`"it's"`, "it's"),
  ok(r`"a\"b"`, 'a"b'),
  ok(r`"a\\b"`, r`a\b`),
  ok(r`"a\$NAME"`, 'a$NAME'),
  ok(r`"a\nb"`, r`a\nb`, { why: 'before any other character the backslash stays' }),
  ok(r`"a\'b"`, r`a\'b`),
  ok(r`"a\ b"`, r`a\ b`),
  bad('"abc', 'INVALID_ARGUMENT', { message: 'double quote' }),
  bad(r`"a\"`, 'INVALID_ARGUMENT', { message: 'double quote' }),
  ok('""', '', { words: [] }),
  ok('"  padded  "', '  padded  ', { words: ['  padded  '] }),
  ok('"$"', '$'),
  ok('"a$"', 'a$'),
  ok('"${NAME}s"', 'apps'),
  ok(`"'$NAME'"`, "'app'"),
  ok(`'"$NAME"'`, '"$NAME"'),
  ok(`"$NAME"'$NAME'`, 'app$NAME'),
  ok('"${UNSET:-a b}"', 'a b', { words: ['a b'] }),
  ok('"$SPACED"', '  two  words ', { words: ['  two  words '] }),
  bad('"${}"', 'INVALID_ARGUMENT'),
  ok(r`"x\\$NAME"`, r`x\app`),

  // The escape character outside quotes.
  ok(r`\$NAME`, '$NAME'),
  ok(r`\\$NAME`, r`\app`),
  ok(r`a\ b`, 'a b', { words: ['a b'] }),
  ok(r`a\b`, 'ab'),
  ok('trailing\\', 'trailing', { why: 'an escape character at the end is dropped' }),
  ok('trailing\\\\', 'trailing\\'),
  ok(r`\'quoted\'`, "'quoted'"),
  ok(r`\"x\"`, '"x"'),
  ok(r`\${NAME}`, '${NAME}'),
  ok(r`\${}`, '${}'),
  bad(r`a\\'b`, 'INVALID_ARGUMENT'),
  ok(r`\ `, ' ', { words: [' '] }),
  ok(r`x\ \ y`, 'x  y', { words: ['x  y'] }),

  // The backtick as escape character (`# escape=` files): the backslash is ordinary.
  ok('`$NAME', '$NAME', tick),
  ok('a`b', 'ab', tick),
  ok(r`C:\dir\$NAME`, r`C:\dir\app`, tick),
  ok('"say `"hi`""', 'say "hi"', tick),
  ok('"a``b"', 'a`b', tick),
  ok(r`"\$NAME"`, r`\app`, tick),
  ok('a` b', 'a b', { ...tick, words: ['a b'] }),
  ok('end`', 'end', tick),
  ok('${UNSET:-`}x}', '}x', tick),
  ok(r`"C:\temp"`, r`C:\temp`, tick),
  ok("'q`'", 'q`', tick),
  ok('"`x"', '`x', tick),

  // Malformed ${...}.
  bad('${}', 'INVALID_ARGUMENT', { message: 'bad substitution' }),
  bad('${', 'INVALID_ARGUMENT', { message: "missing '}'" }),
  bad('a${', 'INVALID_ARGUMENT'),
  bad('${NAME', 'INVALID_ARGUMENT', { message: "missing '}'" }),
  bad('${:}', 'INVALID_ARGUMENT'),
  bad('${:-x}', 'INVALID_ARGUMENT'),
  bad('${{NAME}}', 'INVALID_ARGUMENT'),
  bad('${.}', 'INVALID_ARGUMENT'),
  bad('${NAME }', 'INVALID_ARGUMENT'),
  bad('${NAME:-x', 'INVALID_ARGUMENT', { message: "missing '}'" }),
  bad('${NAME:-"x}', 'INVALID_ARGUMENT'),
  bad('he${NAME:-${UNSET}', 'INVALID_ARGUMENT'),
  ok('${NAME}}', 'app}'),
  ok('${+x}', '', { why: 'as in BuildKit, an empty name before an operator is an unset variable' }),

  // Shell forms BuildKit does not support.
  bad('${NAME:=x}', 'UNSUPPORTED', { message: ':=' }),
  bad('${NAME=x}', 'UNSUPPORTED'),
  bad('${NAME:1}', 'UNSUPPORTED'),
  bad('${NAME:1:2}', 'UNSUPPORTED'),
  bad('${#NAME}', 'UNSUPPORTED'),
  bad('${!NAME}', 'UNSUPPORTED'),
  bad('${NAME^^}', 'UNSUPPORTED'),
  bad('${NAME,,}', 'UNSUPPORTED'),
  bad('${NAME:#a}', 'UNSUPPORTED'),
  bad('${NAME:%a}', 'UNSUPPORTED'),
  bad('${NAME:/a/b}', 'UNSUPPORTED'),
  bad('${NAME@Q}', 'UNSUPPORTED'),

  // ${V-w} and ${V:-w}: a default when unset (or, with the colon, empty).
  ok('${UNSET-def}', 'def'),
  ok('${UNSET:-def}', 'def'),
  ok('${EMPTY-def}', ''),
  ok('${EMPTY:-def}', 'def'),
  ok('${NAME-def}', 'app'),
  ok('${NAME:-def}', 'app'),
  ok('${UNSET:-}', ''),
  ok('${UNSET:-$NAME}', 'app'),
  ok('${UNSET:-${NAME}}', 'app'),
  ok('${UNSET:-${ALSO:-deep}}', 'deep'),
  ok('${UNSET:-a b}', 'a b', { words: ['a', 'b'] }),
  ok('${UNSET:-"a b"}', 'a b', { words: ['a', 'b'], why: 'the result of a substitution is split' }),
  ok("${UNSET:-'$NAME'}", '$NAME'),
  ok(sub`{UNSET:-\$NAME}`, '$NAME'),
  ok(sub`{UNSET:-\}}`, '}'),
  ok('${UNSET:-a}b}', 'ab}'),
  ok('${UNSET:-{x}', '{x'),
  ok('${UNSET:-"x}"}', 'x}'),
  ok('x${UNSET:-y}z', 'xyz', { words: ['xyz'] }),
  ok('${UNSET:-x y}z', 'x yz', { words: ['x', 'yz'] }),
  ok('${NAME-$UNSET}', 'app'),

  // ${V+w} and ${V:+w}: the word when set (or, with the colon, non-empty).
  ok('${NAME+alt}', 'alt'),
  ok('${NAME:+alt}', 'alt'),
  ok('${EMPTY+alt}', 'alt'),
  ok('${EMPTY:+alt}', ''),
  ok('${UNSET+alt}', ''),
  ok('${UNSET:+alt}', ''),
  ok('${NAME:+-$NAME-}', '-app-'),
  ok('${NAME:+${UNSET}}', ''),
  ok('pkg-${OS}-${ARCH}${VARIANT:+-${VARIANT}}.tgz', 'pkg-linux-arm64.tgz'),
  ok('pkg-${OS}-${ARCH}${VARIANT:+-${VARIANT}}.tgz', 'pkg-linux-arm-v7.tgz', {
    env: { ARCH: 'arm', VARIANT: 'v7' },
  }),
  ok('pkg-${OS}-${ARCH}${VARIANT:+-${VARIANT}}.tgz', 'pkg-linux-arm64.tgz', { env: { VARIANT: '' } }),

  // ${V?m} and ${V:?m}: an error when unset (or, with the colon, empty).
  ok('${NAME?}', 'app'),
  ok('${NAME:?}', 'app'),
  ok('${EMPTY?}', ''),
  bad('${EMPTY:?}', 'INVALID_ARGUMENT', { message: 'EMPTY' }),
  bad('${UNSET?}', 'INVALID_ARGUMENT', { message: 'UNSET' }),
  bad('${UNSET:?}', 'INVALID_ARGUMENT', { message: 'UNSET' }),
  bad('${UNSET?set it first}', 'INVALID_ARGUMENT', { message: 'UNSET: set it first' }),
  bad('${EMPTY:?need $NAME}', 'INVALID_ARGUMENT', { message: 'need app' }),
  ok('${NAME:?$UNSET}', 'app'),

  // ${V#p} ${V##p} ${V%p} ${V%%p}: shortest/longest prefix/suffix removal, * and ? wildcards.
  ok('${FILE#*.}', 'tar.gz'),
  ok('${FILE##*.}', 'gz'),
  ok('${FILE%.*}', 'archive.tar'),
  ok('${FILE%%.*}', 'archive'),
  ok('${PATHV##*/}', 'tool'),
  ok('${PATHV%/*}', '/usr/local/bin'),
  ok('${PATHV#/}', 'usr/local/bin/tool'),
  ok('${PATHV#/usr}', '/local/bin/tool'),
  ok('${FILE#nomatch}', 'archive.tar.gz'),
  ok('${FILE%nomatch}', 'archive.tar.gz'),
  ok('${FILE#}', 'archive.tar.gz'),
  ok('${FILE%%}', 'archive.tar.gz'),
  ok('${FILE#*}', 'archive.tar.gz', { why: 'the shortest match of * is empty' }),
  ok('${FILE##*}', ''),
  ok('${FILE%*}', 'archive.tar.gz'),
  ok('${FILE%%*}', ''),
  ok('${FILE#?}', 'rchive.tar.gz'),
  ok('${FILE%???}', 'archive.tar'),
  ok('${FILE#a*a}', 'r.gz'),
  ok('${FILE#*a*r}', 'chive.tar.gz'),
  ok('${FILE##*a*r}', '.gz'),
  ok('${FILE%.*.*}', 'archive'),
  ok('${BRK#[a]}', 'rest', { why: 'as in BuildKit, brackets are literal characters, not a class' }),
  ok('${FILE#[a]*}', 'archive.tar.gz'),
  ok(sub`{STARS#\*}`, '*x**'),
  ok(sub`{STARS##*\*}`, ''),
  ok(sub`{STARS%\**}`, '**x*'),
  ok(sub`{STARS%%\**}`, ''),
  ok(sub`{QMARK#\?}`, 'a?'),
  ok(sub`{QMARK%%\?*}`, ''),
  bad(sub`{NAME#\a}`, 'INVALID_ARGUMENT', { message: 'escape' }),
  ok(sub`{BRACE#\}}`, 'x'),
  ok('${NAME#$PREFIX}', 'p'),
  ok('${NAME#"a"}', 'pp'),
  ok("${NAME##'*'}", '', { why: 'as in BuildKit, quoting does not make a wildcard literal' }),
  ok('${UNSET#x}', ''),
  ok('${GREETING#h?}', 'llo wörld'),
  ok('${GREETING%w*}', 'héllo '),
  ok('${ROCKET#?}', 'x🚀', { why: '? is one character, not one UTF-16 unit' }),
  ok('${ROCKET%?}', '🚀x'),
  ok('${LINES##*}', '\nb', { why: 'as in BuildKit, * does not match a newline' }),
  ok('${LINES%%*}', 'a\n'),
  ok('${PATHV#$NOPE}', '/usr/local/bin/tool'),
  ok(sub`{BS#a\\}`, 'b'),

  // ${V/p/r} replaces the first (longest, leftmost) match; ${V//p/r} every match.
  ok(sub`{SLASHES/\//:}`, ':a/b/c'),
  ok(sub`{SLASHES//\//:}`, ':a:b:c'),
  ok('${NAME/p/P}', 'aPp'),
  ok('${NAME//p/P}', 'aPP'),
  ok('${NAME/x/y}', 'app'),
  bad('${NAME/p}', 'INVALID_ARGUMENT', { why: 'BuildKit needs the second slash' }),
  ok('${NAME/p/}', 'ap'),
  ok('${NAME//p/}', 'a'),
  ok('${NAME/*/X}', 'X'),
  ok('${NAME//*/X}', 'X', { why: 'an empty match right after a match is not replaced' }),
  ok('${NAME//?/.}', '...'),
  ok('${FILE/.*/}', 'archive'),
  ok('${NAME//$EMPTY/-}', '-a-p-p-'),
  ok('${NAME/$EMPTY/-}', '-app'),
  ok('${UNSET/a/b}', ''),
  ok(sub`{URL/http:\/\//https://}`, 'https://x.test/a'),
  ok(sub`{SLASHES//\//\\}`, r`\\a\\b\\c`, { why: 'escapes stay in the replacement' }),
  ok('${NAME/p/$NAME}', 'aappp'),
  ok('${NAME/[a]/x}', 'app'),
  ok(sub`{STARS//\*/+}`, '++x++'),
  ok('${NAME/#a/x}', 'app', { why: 'no anchors: # is a literal character of the pattern' }),
  bad('${NAME/a', 'INVALID_ARGUMENT'),
  bad('${NAME/a/b', 'INVALID_ARGUMENT', { message: "missing '}'" }),
  ok('${NAME//p/$DOLLAR}', 'a$1$1', { why: 'the replacement is literal text' }),
  ok('${GREETING/ö/o}', 'héllo world'),
  ok(`\${NAME/"p"/'P'}`, 'aPp'),

  // Splitting into words: on unquoted whitespace, after expansion.
  ok('  a   b  ', '  a   b  ', { words: ['a', 'b'] }),
  ok('"a b" c', 'a b c', { words: ['a b', 'c'] }),
  ok("'a b'c", 'a bc', { words: ['a bc'] }),
  ok('a"" b', 'a b', { words: ['a', 'b'], why: 'as in BuildKit, an empty quoted word makes no word' }),
  ok(`"" ''`, ' ', { words: [] }),
  ok('$SPACED', '  two  words ', { words: ['two', 'words'] }),
  ok('pre$SPACED', 'pre  two  words ', { words: ['pre', 'two', 'words'] }),
  ok('x${SPACED}y', 'x  two  words y', { words: ['x', 'two', 'words', 'y'] }),
  ok(r`a\"b c`, 'a"b c', { words: ['a"b', 'c'] }),
  ok('a\tb\nc', 'a\tb\nc', { words: ['a', 'b', 'c'] }),
  ok('80/tcp 443', '80/tcp 443', { words: ['80/tcp', '443'] }),
  ok('<<EOF', '<<EOF', { words: ['<<EOF'] }),
  ok('<< EOF', '<< EOF', { words: ['<< EOF'], why: 'a heredoc marker keeps its spaces' }),
  ok('a < b', 'a < b', { words: ['a', '<', 'b'] }),
  ok('a\u3000b', 'a\u3000b', { words: ['a', 'b'], why: 'Unicode spaces split too' }),
  ok('a\uFEFFb', 'a\uFEFFb', { words: ['a\uFEFFb'] }),

  // Lexer options.
  ok(`'a $NAME' "b $NAME"`, `'a $NAME' "b app"`, { options: { rawQuotes: true } }),
  ok('"a b" c', '"a b" c', { options: { rawQuotes: true }, words: ['"a b"', 'c'] }),
  ok('$UNSET ${UNSET} ${UNSET:-x} $NAME', '$UNSET ${UNSET} ${UNSET:-x} app', {
    options: { skipUnsetEnv: true },
  }),
  ok('${UNSET/a/b}', '${UNSET/a/b}', { options: { skipUnsetEnv: true } }),
  ok(r`a\ b\$NAME`, r`a\ b\$NAME`, { options: { rawEscapes: true } }),
  ok(`'$NAME' "x"`, `'app' "x"`, { options: { skipProcessQuotes: true } }),
  ok("it's", "it's", { options: { skipProcessQuotes: true } }),
];
