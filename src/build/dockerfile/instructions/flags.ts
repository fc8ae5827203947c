/**
 * Instruction flags (`--name=value` before the arguments), checked against the set each
 * instruction accepts: unknown names, repeats (only list flags may repeat), missing values and
 * non-boolean values of boolean flags are errors. A boolean flag alone (`--link`) means true.
 */
import { escaped, quoted } from '../errors.ts';
import type { InstructionContext } from './context.ts';
import { suggest } from './suggest.ts';

/** How a flag takes its value: a boolean, one string, or a string per use (repeatable). */
export type FlagKind = 'bool' | 'string' | 'list';

/** The flags an instruction accepts, by name without `--`. */
export type FlagSpec = Readonly<Record<string, FlagKind>>;

/** The flag values given. */
export class FlagValues {
  readonly #values = new Map<string, boolean | string | string[]>();
  readonly #indexes = new Map<string, number>();

  /** @internal Stores a value parsed from the flag at position `index`. */
  set(name: string, value: boolean | string | string[], index: number): void {
    this.#values.set(name, value);
    if (!this.#indexes.has(name)) this.#indexes.set(name, index);
  }

  /** Whether the flag was given. */
  has(name: string): boolean {
    return this.#values.has(name);
  }

  /** The position of the flag's first use among the instruction's flags. */
  indexOf(name: string): number | undefined {
    return this.#indexes.get(name);
  }

  /** A boolean flag's value (false when not given). */
  bool(name: string): boolean {
    return this.#values.get(name) === true;
  }

  /** A string flag's value; undefined when not given or given empty (`--from=`). */
  string(name: string): string | undefined {
    const value = this.#values.get(name);
    return typeof value === 'string' && value !== '' ? value : undefined;
  }

  /** A list flag's values in order (empty when not given). */
  list(name: string): string[] {
    const value = this.#values.get(name);
    return Array.isArray(value) ? value : [];
  }
}

/** Checks the instruction's flags against `spec`; throws INVALID_ARGUMENT naming the flag's place. */
export function parseFlags(ctx: InstructionContext, spec: FlagSpec): FlagValues {
  const values = new FlagValues();
  const keyword = ctx.raw.keyword;
  for (const [index, text] of ctx.raw.flags.entries()) {
    if (text === '--') break;
    if (!text.startsWith('--'))
      throw ctx.error(`${keyword} flag ${quoted(text)} does not start with --`, index);
    const eq = text.indexOf('=');
    const flag = eq < 0 ? text : text.slice(0, eq);
    const value = eq < 0 ? undefined : text.slice(eq + 1);
    const name = flag.slice(2);
    const kind = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (kind === undefined) {
      const hint = suggest(name, Object.keys(spec), true);
      const names = Object.keys(spec).map((n) => `--${n}`);
      const known = names.length === 0 ? `${keyword} takes no flags` : `${keyword} takes ${names.join(', ')}`;
      throw ctx.error(
        `unknown flag: ${escaped(flag)}${hint === undefined ? '' : ` (did you mean --${hint}?)`}; ${known}`,
        index,
      );
    }
    if (values.has(name) && kind !== 'list')
      throw ctx.error(`flag ${escaped(flag)} is given more than once`, index);
    if (kind === 'bool') {
      if (value === '') throw ctx.error(`flag ${flag} needs a value: true or false`, index);
      const lower = value?.toLowerCase();
      if (lower !== undefined && lower !== 'true' && lower !== 'false') {
        throw ctx.error(`flag ${flag} takes true or false, not ${quoted(value as string)}`, index);
      }
      values.set(name, lower !== 'false', index);
      continue;
    }
    if (value === undefined) throw ctx.error(`flag ${flag} needs a value: ${flag}=VALUE`, index);
    if (kind === 'string') values.set(name, value, index);
    else if (values.has(name)) values.list(name).push(value);
    else values.set(name, [value], index);
  }
  return values;
}

/** For the instructions whose flags BuildKit never reads (ARG, STOPSIGNAL, HEALTHCHECK NONE): a warning. */
export function ignoreFlags(ctx: InstructionContext): void {
  if (ctx.raw.flags.length === 0) return;
  ctx.warn(`${ctx.raw.keyword} takes no flags; ignored: ${ctx.raw.flags.map((f) => escaped(f)).join(' ')}`);
}
