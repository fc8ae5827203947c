/**
 * The .dockerignore table: which context paths a list of patterns excludes, with moby's
 * patternmatcher semantics (patterns anchored at the context root, last match wins, `!`
 * re-includes, a match on a parent directory covers everything below it, `**` spans
 * directories). Written for this project; each row is patterns, a path, and the answer.
 */

/** One row: `patterns` as a .dockerignore would give them, in order. */
export interface IgnoreCase {
  readonly patterns: readonly string[];
  readonly path: string;
  readonly ignored: boolean;
  readonly why?: string;
}

const row = (patterns: readonly string[], path: string, ignored: boolean, why?: string): IgnoreCase =>
  why === undefined ? { patterns, path, ignored } : { patterns, path, ignored, why };

/** The rows, grouped by rule. */
export const IGNORE_CASES: readonly IgnoreCase[] = [
  // One pattern, one name.
  row(['*'], 'main.go', true),
  row(['*.go'], 'main.go', true),
  row(['*.go'], 'main.c', false),
  row(['*.go'], 'src/main.go', false, '* stays within one path element, from the context root'),
  row(['docs'], 'docs/sub/deep.txt', true, 'a match on a parent directory covers what is below'),
  row(['docs'], 'docsx', false),
  row(['docs'], 'other/docs', false, 'patterns are anchored at the context root'),
  row([], 'anything', false),
  row(['node_modules'], 'node_modules/pkg/index.js', true),
  row(['*/tmp'], 'x/tmp/f', true),
  row(['*/tmp'], 'x/y/tmp', false),
  row(['*.GO'], 'main.go', false, 'names are case-sensitive, as on Linux'),
  row(['Docs'], 'docs/a', false),

  // Order: the last pattern that matches decides; ! re-includes.
  row(['!main.go', '*.go'], 'main.go', true),
  row(['*.go', '!main.go'], 'main.go', false),
  row(['*.go', '!main.go'], 'util.go', true),
  row(['docs', '!docs/README.md'], 'docs/README.md', false),
  row(['docs', '!docs/README.md'], 'docs/other.md', true),
  row(['docs/', '!docs/README.md'], 'docs/README.md', false),
  row(['docs/*', '!docs/README.md'], 'docs/README.md', false),
  row(['*.log', '!important.log'], 'important.log', false),
  row(['*.log', '!important.log'], 'logs/debug.log', false),
  row(['*', '!*.md'], 'README.md', false),
  row(['*', '!*.md'], 'docs/x.md', true, 'the exception matches neither the path nor a parent'),
  row(['a', '!a/b', 'a/b/c'], 'a/b/c', true),
  row(['a', '!a/b', 'a/b/c'], 'a/b/d', false),
  row(['a', '!a/b', 'a/b/c'], 'a/x', true),
  row(['a', '!a/b', 'a/b/c', '!a/b/c/keep'], 'a/b/c/keep', false),
  row(['a', '!a/b', 'a/b/c', '!a/b/c/keep'], 'a/b/c/drop', true),

  // Patterns are trimmed and cleaned as paths.
  row(['  spaced  '], 'spaced', true),
  row(['', '  '], 'x', false),
  row(['/abs/path'], 'abs/path', true, 'a leading slash means the context root'),
  row(['a/./b'], 'a/b', true),
  row(['a//b'], 'a/b', true),
  row(['a/x/../b'], 'a/b', true),
  row(['./x'], 'x', true),
  row(['x/'], 'x', true),
  row(['../x'], 'x', false, 'a pattern above the context matches nothing in it'),
  row(['docs', '  !docs/README.md  '], 'docs/README.md', false),

  // ** spans any number of directories.
  row(['**'], 'file', true),
  row(['**'], 'dir/file', true),
  row(['**/'], 'dir/file', true),
  row(['**/**'], 'dir/file', true),
  row(['dir/**'], 'dir/file', true),
  row(['dir/**'], 'dir/a/b/file', true),
  row(['dir/**'], 'dir', false, 'dir/** names what is below dir, not dir'),
  row(['dir/**'], 'dir/file/', true, 'a directory may be given with a trailing slash'),
  row(['**/dir'], 'dir', true),
  row(['**/dir'], 'a/b/dir', true),
  row(['**/dir'], 'a/dir/file', true),
  row(['**/cache/*'], 'a/cache/file', true),
  row(['**/cache/*'], 'cache/file', true),
  row(['**/cache/*'], 'dir/cache/file/', true),
  row(['**/cache/**'], 'a/cache/b/file', true),
  row(['**/file'], 'a/b/file', true),
  row(['**/file*'], 'a/b/file.txt', true),
  row(['**/*.txt'], 'file.txt', true),
  row(['**/*.txt'], 'a/b/c.txt', true),
  row(['**/**/*.txt'], 'c.txt', true),
  row(['**/**/*.tsx'], 'a/c.ts', false),
  row(['src**/*.ts'], 'src/x.ts', true),
  row(['src**/*.ts'], 'src/b/c/x.ts', true),
  row(['src**/*.ts'], 'srcgen/x.ts', true),
  row(['doc/*.md'], 'doc/b/x.md', false),
  row(['doc/*.md'], 'doc/x.md', true),
  row(['doc/*.md**'], 'doc/x.md', true),
  row(['**cache'], 'cache', true),
  row(['**cache'], 'a/b/cache', true),
  row(['**cache'], 'a/mycache', true, 'a leading ** before plain text matches any path ending in that text'),
  row(['**/out/bin'], 'out/bin', true),
  row(['**/out/bin'], 'x/y/out/bin', true),
  row(['**/out/bin'], 'x/out/binx', false),
  row(['**/.env'], '.env', true),
  row(['**/.env'], 'prod.env', false),
  row(['**/node_modules'], 'a/node_modules/x', true),
  row(['**', '!keep'], 'keep', false),
  row(['**', '!keep'], 'keep/inner', false),
  row(['**', '!util/web'], 'util/web/foo', false),
  row(['**', '!util/web', 'util/web/foo'], 'util/web/foo', true),
  row(['**', '!dist/*.whl'], 'dist/pkg-1.0+g1-py3-none-any.whl', false),

  // ? and character classes.
  row(['log?.txt'], 'log1.txt', true),
  row(['log?.txt'], 'log.txt', false),
  row(['a?b'], 'a/b', false, '? never matches a slash'),
  row(['a*b'], 'a/b', false),
  row(['v[1-3].md'], 'v2.md', true),
  row(['v[1-3].md'], 'v5.md', false),
  row(['v[^1-3].md'], 'vx.md', true),
  row(['v[^1-3].md'], 'v2.md', false),
  row(['cfg[s]'], 'cfgs', true),
  row(['[\\]z]'], ']', true),
  row(['[\\-q]'], '-', true),
  row(['[q\\-]'], 'r', false),
  row(['[α-ω]*'], 'λόγος', true),
  row(['x?y'], 'x€y', true, '? is one character, whatever its encoded length'),
  row(['x???y'], 'x€y', false),
  row(['?'], '🚀', true),
  row(['[!a]x'], '!x', true, '! inside brackets is an ordinary member'),
  row(['[!a]x'], 'bx', false),

  // Regular-expression characters are literal.
  row(['.*'], '.hidden', true),
  row(['.*'], 'visible', false),
  row(['app.log'], 'appXlog', false),
  row(['lib(x)/mod'], 'lib(x)/mod', true),
  row(['v1.0|x)$(}+{y'], 'v1.0|x)$(}+{y', true),
  row(['dist/*.whl'], 'dist/pkg-1.0+g1-py3-none-any.whl', true),
  row(['a+b*'], 'a+bc', true),
  row(['x$*'], 'x$y', true),

  // Backslash escapes the next character.
  row(['star\\*name'], 'star*name', true),
  row(['star\\*name'], 'starXname', false),
  row(['end\\\\'], 'end\\', true),
  row(['\\?x'], '?x', true),
  row(['\\?x'], 'ax', false),
  row(['a\\[b]'], 'a[b]', true),

  // Names beyond ASCII, and odd characters in names.
  row(['안녕*'], '안녕하세요', true),
  row(['*.🚀'], 'x.🚀', true),
  row(['a*b'], 'a\nb', true),

  // Nothing is special about the build's own files: an excluded Dockerfile cannot be copied.
  row(['Dockerfile'], 'Dockerfile', true),
  row(['.dockerignore'], '.dockerignore', true),
  row(['*'], 'Dockerfile', true),
];

/** Pattern lists the matcher must refuse (INVALID_ARGUMENT). */
export const INVALID_PATTERNS: readonly (readonly string[])[] = [
  ['!'],
  ['!/'],
  ['['],
  ['a['],
  ['[^'],
  ['[^bc'],
  ['[]a]'],
  ['[-]'],
  ['[x-]'],
  ['[-x]'],
  ['[a-b-c]'],
  ['\\'],
  ['a\\'],
  ['ok', '[unclosed'],
  ['[Local-Only]/'],
];
