/** Bounded retries with exponential backoff and full jitter, honouring `Retry-After` (RFC 9110 §10.2.3). */
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, OciError } from '../../errors/index.ts';

/** How a client retries failed requests. */
export interface RetryPolicy {
  /** Total attempts including the first (default 5). */
  attempts: number;
  /** First backoff in milliseconds, doubled after each failure (default 250). */
  baseDelayMs: number;
  /** Largest backoff, and largest `Retry-After` honoured, in milliseconds (default 30 000). */
  maxDelayMs: number;
}

/** The default retry policy: 5 attempts, 250 ms doubling, capped at 30 s. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 250, maxDelayMs: 30_000 };

/** Parses `Retry-After` (delta seconds or an HTTP date) into milliseconds, or undefined. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(text)) return Number.parseInt(text, 10) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The delay before retry number `attempt` (1-based): Retry-After when given, else jittered backoff. */
export function backoffDelay(policy: RetryPolicy, attempt: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxDelayMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/** Waits `ms`, failing with ABORTED as soon as `signal` aborts. */
export async function waitOrAbort(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : undefined);
  } catch (err) {
    throw new OciError(ErrorCode.ABORTED, 'operation aborted', { cause: err });
  }
}
