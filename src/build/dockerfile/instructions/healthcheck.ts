/**
 * HEALTHCHECK (Dockerfile reference, "HEALTHCHECK"): `HEALTHCHECK NONE`, or `HEALTHCHECK [flags] CMD
 * command` with `--interval`, `--timeout`, `--start-period`, `--start-interval` (Go durations, 0 or
 * at least 1ms) and `--retries` (a non-negative 32-bit integer). Shell form gives `CMD-SHELL`.
 */
import { escaped, quoted } from '../errors.ts';
import type { HealthcheckSpec } from '../types.ts';
import { base, type InstructionContext, type Of } from './context.ts';
import { DurationError, parseGoDuration } from './duration.ts';
import { type FlagValues, ignoreFlags, parseFlags } from './flags.ts';

const MIN_INTERVAL = 1_000_000n;
const DURATIONS = [
  ['interval', 'interval'],
  ['timeout', 'timeout'],
  ['start-period', 'startPeriod'],
  ['start-interval', 'startInterval'],
] as const;

function duration(ctx: InstructionContext, flags: FlagValues, name: string): number | undefined {
  const text = flags.string(name);
  if (text === undefined) return undefined;
  const index = flags.indexOf(name);
  let nanos: bigint;
  try {
    nanos = parseGoDuration(text);
  } catch (err) {
    if (!(err instanceof DurationError)) throw err;
    throw ctx.error(`--${name}: ${err.message} ${quoted(text)} (write it like 30s, 1m30s or 500ms)`, index);
  }
  if (nanos === 0n) return undefined;
  if (nanos < MIN_INTERVAL)
    throw ctx.error(`--${name} must be 0 or at least 1ms, not ${quoted(text)}`, index);
  if (nanos > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw ctx.error(`--${name} ${quoted(text)} is longer than ocikit supports (about 104 days)`, index);
  }
  return Number(nanos);
}

function retries(ctx: InstructionContext, flags: FlagValues): number | undefined {
  const text = flags.string('retries');
  if (text === undefined) return undefined;
  const index = flags.indexOf('retries');
  if (!/^[+-]?[0-9]+$/.test(text))
    throw ctx.error(`--retries must be a whole number, not ${quoted(text)}`, index);
  const value = Number(text);
  if (value < -(2 ** 31) || value > 2 ** 31 - 1)
    throw ctx.error(`--retries ${escaped(text)} is out of range`, index);
  if (value < 0) throw ctx.error(`--retries cannot be negative (${value})`, index);
  return value === 0 ? undefined : value;
}

/** Parses HEALTHCHECK; durations come out in nanoseconds, zero values are left out. */
export function parseHealthcheck(ctx: InstructionContext): Of<'HEALTHCHECK'> {
  const [written, ...rest] = ctx.raw.args;
  if (written === undefined) throw ctx.error('HEALTHCHECK needs at least one argument');
  const type = written.toUpperCase();
  if (type === 'NONE') {
    if (rest.length > 0) throw ctx.error('HEALTHCHECK NONE takes no arguments');
    ignoreFlags(ctx);
    return { kind: 'HEALTHCHECK', ...base(ctx), health: { test: ['NONE'] } };
  }
  const flags = parseFlags(ctx, {
    interval: 'string',
    timeout: 'string',
    'start-period': 'string',
    'start-interval': 'string',
    retries: 'string',
  });
  if (type !== 'CMD') throw ctx.error(`unknown HEALTHCHECK type ${quoted(written)} (expected CMD or NONE)`);
  const command = ctx.raw.json ? rest : rest.length === 0 ? [] : [rest.join(' ')];
  if (command.length === 0) throw ctx.error('HEALTHCHECK CMD needs a command');
  const health: { -readonly [K in keyof HealthcheckSpec]: HealthcheckSpec[K] } = {
    test: [ctx.raw.json ? 'CMD' : 'CMD-SHELL', ...command],
  };
  for (const [flag, field] of DURATIONS) {
    const value = duration(ctx, flags, flag);
    if (value !== undefined) health[field] = value;
  }
  const count = retries(ctx, flags);
  if (count !== undefined) health.retries = count;
  return { kind: 'HEALTHCHECK', ...base(ctx), health };
}
