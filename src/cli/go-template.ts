/**
 * A documented subset of Go's text/template, for `inspect --format` (skopeo's flag):
 * - fields and chains: `{{.Digest}}`, `{{.Config.Env}}`, `{{.Labels.key}}`, `{{.}}`, variables
 *   `{{$v}}`, `{{$v.Field}}`, `{{$}}`;
 * - `{{range PIPELINE}}…{{else}}…{{end}}`, with `{{range $i, $e := PIPELINE}}` or `{{range $e := …}}`
 *   (maps in key order, as Go);
 * - `{{if PIPELINE}}…{{else}}…{{end}}` and `{{with PIPELINE}}…{{else}}…{{end}}`;
 * - functions `json` (Go's json.Marshal: compact, `<>&` escaped), `index X KEY...`, `len X`;
 *   pipelines `{{.Env | json}}`; string and number literals; `{{-` and `-}}` trim spaces.
 * Values print as Go's fmt `%v` does: slices `[a b]`, maps `map[k:v]` in key order, structs
 * `{a b}`, times `2006-01-02 15:04:05.999999999 +0000 UTC`, a missing map key `<no value>`.
 * Go structs are {@link GoStruct}s (field names and their JSON names), Go maps are `Map`s.
 * A malformed template is a usage error; a field that does not exist fails with INVALID_ARGUMENT.
 */
import { ErrorCode, OciError } from '../errors/index.ts';
import { UsageError } from './run.ts';

/** One field of a Go struct: its Go name, its JSON name, its value, whether JSON omits it when empty. */
export interface GoField {
  name: string;
  json: string;
  value: unknown;
  omitEmpty?: boolean;
}

/** A Go struct value: fields in declaration order. */
export class GoStruct {
  readonly fields: readonly GoField[];
  constructor(fields: readonly GoField[]) {
    this.fields = fields;
  }
}

/** A Go time.Time, kept as its RFC 3339 text. */
export class GoTime {
  readonly iso: string;
  constructor(iso: string) {
    this.iso = iso;
  }
}

const NO_VALUE = Symbol('no value');

const NILS = new WeakSet<object>();

/** Go's nil slice or map: prints as `[]` / `map[]`, marshals to JSON `null`. */
export function goNil(kind: 'slice'): unknown[];
export function goNil(kind: 'map'): Map<string, unknown>;
export function goNil(kind: 'slice' | 'map'): unknown[] | Map<string, unknown> {
  const value = kind === 'slice' ? [] : new Map<string, unknown>();
  NILS.add(value);
  return value;
}

type Token =
  | { kind: 'field'; base: string | undefined; path: string[] }
  | { kind: 'ident'; name: string }
  | { kind: 'literal'; value: unknown }
  | { kind: 'pipe' }
  | { kind: 'comma' }
  | { kind: 'declare' };

interface Pipeline {
  vars: string[];
  commands: Token[][];
}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipeline: Pipeline }
  | { kind: 'range' | 'if' | 'with'; pipeline: Pipeline; body: Node[]; otherwise: Node[] };

function syntax(message: string): UsageError {
  return new UsageError(`--format: ${message}`);
}

/** Splits an action's text into tokens. */
function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const re =
    /\s+|(:=)|(\|)|(,)|("(?:[^"\\]|\\.)*")|(`[^`]*`)|(-?[0-9]+(?:\.[0-9]+)?)|(\$[A-Za-z0-9_]*)((?:\.[A-Za-z0-9_]+)*)|((?:\.[A-Za-z0-9_]+)+|\.)|([A-Za-z_][A-Za-z0-9_]*)/y;
  let at = 0;
  while (at < source.length) {
    re.lastIndex = at;
    const m = re.exec(source);
    if (m === null) throw syntax(`unexpected ${JSON.stringify(source.slice(at, at + 10))}`);
    at = re.lastIndex;
    if (m[1]) tokens.push({ kind: 'declare' });
    else if (m[2]) tokens.push({ kind: 'pipe' });
    else if (m[3]) tokens.push({ kind: 'comma' });
    else if (m[4]) tokens.push({ kind: 'literal', value: JSON.parse(m[4]) });
    else if (m[5]) tokens.push({ kind: 'literal', value: m[5].slice(1, -1) });
    else if (m[6]) tokens.push({ kind: 'literal', value: Number(m[6]) });
    else if (m[7]) tokens.push({ kind: 'field', base: m[7], path: (m[8] ?? '').split('.').filter(Boolean) });
    else if (m[9]) tokens.push({ kind: 'field', base: undefined, path: m[9].split('.').filter(Boolean) });
    else if (m[10]) tokens.push({ kind: 'ident', name: m[10] });
  }
  return tokens;
}

function parsePipeline(tokens: Token[], allowDecl: boolean): Pipeline {
  const vars: string[] = [];
  const declare = tokens.findIndex((t) => t.kind === 'declare');
  let rest = tokens;
  if (declare >= 0) {
    if (!allowDecl) throw syntax('variables can only be declared in range');
    for (const t of tokens.slice(0, declare)) {
      if (t.kind === 'comma') continue;
      if (t.kind !== 'field' || t.base === undefined || t.path.length > 0)
        throw syntax('bad variable declaration');
      vars.push(t.base);
    }
    if (vars.length < 1 || vars.length > 2) throw syntax('range declares one or two variables');
    rest = tokens.slice(declare + 1);
  }
  const commands: Token[][] = [[]];
  for (const t of rest) {
    if (t.kind === 'pipe') commands.push([]);
    else (commands[commands.length - 1] as Token[]).push(t);
  }
  if (commands.some((c) => c.length === 0)) throw syntax('empty command in pipeline');
  return { vars, commands };
}

/** Parses a template into its nodes. */
function parse(template: string): Node[] {
  const segments: ({ text: string } | { action: string })[] = [];
  let at = 0;
  while (at < template.length) {
    const open = template.indexOf('{{', at);
    if (open < 0) {
      segments.push({ text: template.slice(at) });
      break;
    }
    let text = template.slice(at, open);
    let inner = open + 2;
    if (
      template.startsWith('- ', inner) ||
      template.startsWith('-\t', inner) ||
      template.startsWith('-\n', inner)
    ) {
      text = text.trimEnd();
      inner += 1;
    }
    const close = template.indexOf('}}', inner);
    if (close < 0) throw syntax('unclosed action');
    let action = template.slice(inner, close);
    at = close + 2;
    if (/\s-$/.test(action)) {
      action = action.slice(0, -1);
      const trimmed = template.slice(at).trimStart();
      at = template.length - trimmed.length;
    }
    segments.push({ text }, { action: action.trim() });
  }
  let i = 0;
  const list = (): { nodes: Node[]; end: 'end' | 'else' | 'eof' } => {
    const nodes: Node[] = [];
    while (i < segments.length) {
      const seg = segments[i++] as { text: string } | { action: string };
      if ('text' in seg) {
        if (seg.text !== '') nodes.push({ kind: 'text', text: seg.text });
        continue;
      }
      const words = seg.action;
      if (words === 'end') return { nodes, end: 'end' };
      if (words === 'else') return { nodes, end: 'else' };
      if (words.startsWith('/*')) continue;
      const keyword = /^(range|if|with)\b\s*/.exec(words);
      if (keyword) {
        const kind = keyword[1] as 'range' | 'if' | 'with';
        const pipeline = parsePipeline(tokenize(words.slice(keyword[0].length)), kind === 'range');
        const body = list();
        let otherwise: Node[] = [];
        if (body.end === 'else') {
          const tail = list();
          if (tail.end !== 'end') throw syntax(`${kind} without {{end}}`);
          otherwise = tail.nodes;
        } else if (body.end !== 'end') throw syntax(`${kind} without {{end}}`);
        nodes.push({ kind, pipeline, body: body.nodes, otherwise });
        continue;
      }
      nodes.push({ kind: 'action', pipeline: parsePipeline(tokenize(words), false) });
    }
    return { nodes, end: 'eof' };
  };
  const top = list();
  if (top.end !== 'eof') throw syntax(`unexpected {{${top.end}}}`);
  return top.nodes;
}

function runtime(message: string): OciError {
  return new OciError(ErrorCode.INVALID_ARGUMENT, `--format: ${message}`);
}

function fieldOf(value: unknown, name: string): unknown {
  if (value instanceof GoStruct) {
    const field = value.fields.find((f) => f.name === name);
    if (field === undefined) throw runtime(`can't evaluate field ${name}`);
    return field.value;
  }
  if (value instanceof Map) return value.has(name) ? value.get(name) : NO_VALUE;
  throw runtime(`can't evaluate field ${name} in ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === null || value === NO_VALUE) return 'a nil value';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}

function isEmpty(value: unknown): boolean {
  if (
    value === null ||
    value === undefined ||
    value === NO_VALUE ||
    value === false ||
    value === 0 ||
    value === ''
  )
    return true;
  if (Array.isArray(value)) return value.length === 0;
  if (value instanceof Map) return value.size === 0;
  return false;
}

/** Go's `time.Time.String()` for an RFC 3339 time. */
function goTime(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.exec(iso);
  if (m === null) return iso;
  const fraction = (m[3] ?? '').replace(/0+$/, '');
  const zone =
    (m[4] as string).toUpperCase() === 'Z'
      ? '+0000 UTC'
      : `${m[4]?.replace(':', '')} ${m[4]?.replace(':', '')}`;
  return `${m[1]} ${m[2]}${fraction === '.' ? '' : fraction} ${zone}`;
}

/** A value as Go's fmt `%v` prints it. */
export function formatGo(value: unknown): string {
  if (value === NO_VALUE || value === undefined) return '<no value>';
  if (value === null) return '<nil>';
  if (value instanceof GoTime) return goTime(value.iso);
  if (Array.isArray(value)) return `[${value.map(formatGo).join(' ')}]`;
  if (value instanceof Map)
    return `map[${[...value.keys()]
      .sort()
      .map((k) => `${k}:${formatGo(value.get(k))}`)
      .join(' ')}]`;
  if (value instanceof GoStruct) return `{${value.fields.map((f) => formatGo(f.value)).join(' ')}}`;
  return String(value);
}

/** A value as Go's json.Marshal writes it. */
export function goJson(value: unknown): string {
  const plain = (v: unknown): unknown => {
    if (v === NO_VALUE || v === undefined) return null;
    if (typeof v === 'object' && v !== null && NILS.has(v)) return null;
    // RFC3339Nano, as Go marshals a time: no trailing zeros in the fraction.
    if (v instanceof GoTime)
      return v.iso.replace(/(\.\d*?)0+(?=[Z+-]|$)/i, '$1').replace(/\.(?=[Z+-]|$)/i, '');
    if (Array.isArray(v)) return v.map(plain);
    if (v instanceof Map) return Object.fromEntries([...v.keys()].sort().map((k) => [k, plain(v.get(k))]));
    if (v instanceof GoStruct)
      return Object.fromEntries(
        v.fields.filter((f) => !(f.omitEmpty && isEmpty(f.value))).map((f) => [f.json, plain(f.value)]),
      );
    return v;
  };
  return JSON.stringify(plain(value)).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

type Scope = Map<string, unknown>;

function operand(token: Token, dot: unknown, scope: Scope): unknown {
  if (token.kind === 'literal') return token.value;
  if (token.kind === 'field') {
    let value: unknown = dot;
    if (token.base !== undefined) {
      if (!scope.has(token.base)) throw syntax(`undefined variable ${token.base}`);
      value = scope.get(token.base);
    }
    for (const name of token.path) value = fieldOf(value, name);
    return value;
  }
  throw syntax(`unexpected ${token.kind}`);
}

const FUNCTIONS: Record<string, (args: unknown[]) => unknown> = {
  json: (args) => {
    if (args.length !== 1) throw runtime('json takes one argument');
    return goJson(args[0]);
  },
  len: (args) => {
    const [v] = args;
    if (typeof v === 'string' || Array.isArray(v)) return v.length;
    if (v instanceof Map) return v.size;
    throw runtime(`len of ${describe(v)}`);
  },
  index: (args) => {
    let [value, ...keys] = args;
    if (args.length < 2) throw runtime('index takes a value and at least one key');
    for (const key of keys) {
      if (Array.isArray(value)) {
        if (typeof key !== 'number' || !Number.isInteger(key) || key < 0 || key >= value.length)
          throw runtime(`index out of range: ${String(key)}`);
        value = value[key];
      } else if (value instanceof Map) {
        value = value.has(String(key)) ? value.get(String(key)) : '';
      } else throw runtime(`can't index ${describe(value)}`);
    }
    return value;
  },
};

function evaluate(pipeline: Pipeline, dot: unknown, scope: Scope): unknown {
  let result: unknown;
  pipeline.commands.forEach((command, n) => {
    const [head, ...rest] = command as [Token, ...Token[]];
    if (head.kind === 'ident') {
      const fn = FUNCTIONS[head.name];
      if (fn === undefined) throw syntax(`function "${head.name}" not defined`);
      const args = rest.map((t) => operand(t, dot, scope));
      if (n > 0) args.push(result);
      result = fn(args);
    } else {
      if (rest.length > 0 || n > 0) throw syntax('only a function can take arguments');
      result = operand(head, dot, scope);
    }
  });
  return result;
}

function execute(nodes: Node[], dot: unknown, scope: Scope, out: string[]): void {
  for (const node of nodes) {
    if (node.kind === 'text') out.push(node.text);
    else if (node.kind === 'action') out.push(formatGo(evaluate(node.pipeline, dot, scope)));
    else {
      const value = evaluate(node.pipeline, dot, scope);
      if (node.kind === 'if' || node.kind === 'with') {
        if (isEmpty(value)) execute(node.otherwise, dot, scope, out);
        else execute(node.body, node.kind === 'with' ? value : dot, scope, out);
        continue;
      }
      const entries: [unknown, unknown][] = Array.isArray(value)
        ? value.map((v, i) => [i, v])
        : value instanceof Map
          ? [...value.keys()].sort().map((k) => [k, value.get(k)])
          : isEmpty(value)
            ? []
            : (() => {
                throw runtime(`range can't iterate over ${describe(value)}`);
              })();
      if (entries.length === 0) execute(node.otherwise, dot, scope, out);
      for (const [key, item] of entries) {
        const inner = new Map(scope);
        const [first, second] = node.pipeline.vars;
        if (first !== undefined && second !== undefined) {
          inner.set(first, key);
          inner.set(second, item);
        } else if (first !== undefined) inner.set(first, item);
        execute(node.body, item, inner, out);
      }
    }
  }
}

/**
 * Checks `template` at once (a usage error when malformed) and returns a function rendering it
 * over a value (INVALID_ARGUMENT when it names a field the value lacks).
 */
export function compileTemplate(template: string): (data: unknown) => string {
  const nodes = parse(template);
  return (data) => {
    const out: string[] = [];
    execute(nodes, data, new Map([['$', data]]), out);
    return out.join('');
  };
}
