/**
 * Keeps one failing or stalled benchmark from taking the whole run down: a timed command runs in its
 * own process group under a time limit (the group is killed when it outlives it), in-process work and
 * whole suites are given limits too, and each suite's failure is caught and reported while the next
 * suite still runs. Nothing here creates files, so it is safe to import anywhere.
 */
import { type SpawnSyncOptionsWithStringEncoding, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * A limit in milliseconds read from `env[name]` in seconds (`fallbackSeconds` when unset or empty);
 * `0` means no limit (`Infinity`). Throws on anything that is not a non-negative number.
 */
export function limitFromEnv(
  name: string,
  fallbackSeconds: number,
  env: NodeJS.ProcessEnv = process.env,
): number {
  const raw = env[name];
  const seconds = raw === undefined || raw.trim() === '' ? fallbackSeconds : Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new Error(`${name} must be a number of seconds (0 for no limit), got ${JSON.stringify(raw)}`);
  }
  return seconds === 0 ? Number.POSITIVE_INFINITY : seconds * 1000;
}

/**
 * A count of timed rounds read from `env[name]` (`fallback` when unset or empty). Throws on anything
 * but a whole number of at least 1: zero rounds would report a row without running anything.
 */
export function runsFromEnv(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
  const runs = raw === undefined || raw.trim() === '' ? fallback : Number(raw);
  if (!Number.isInteger(runs) || runs < 1) {
    throw new Error(`${name} must be a whole number of rounds, at least 1, got ${JSON.stringify(raw)}`);
  }
  return runs;
}

/** How long one timed command or in-process step may run: `OCIKIT_BENCH_TIMEOUT` seconds, 15 minutes by default. */
export const COMMAND_TIMEOUT_MS = limitFromEnv('OCIKIT_BENCH_TIMEOUT', 900);

/** How long one suite may run: `OCIKIT_BENCH_SUITE_TIMEOUT` seconds, 2 hours by default. */
export const SUITE_TIMEOUT_MS = limitFromEnv('OCIKIT_BENCH_SUITE_TIMEOUT', 7200);

/** Thrown when a command, a step or a suite outlives its limit. */
export class BenchTimeoutError extends Error {
  override name = 'BenchTimeoutError';
  /** What outlived its limit: the command, or the step or suite named to {@link withTimeout}. */
  readonly subject: string;

  constructor(subject: string, limitMs: number, detail = '') {
    super(`${subject} timed out after ${describeLimit(limitMs)}${detail}`);
    this.subject = subject;
  }
}

/** A limit for messages: `900 s`, or `no limit`. */
function describeLimit(ms: number): string {
  return Number.isFinite(ms) ? `${ms / 1000} s` : 'no limit';
}

/** Options of {@link runShellBounded}. */
export interface BoundedShellOptions {
  env?: NodeJS.ProcessEnv;
  /** Milliseconds before the command's process group is killed; {@link COMMAND_TIMEOUT_MS} by default. */
  timeoutMs?: number;
}

/**
 * Runs `bash -c command` in a process group of its own and returns its wall time in seconds. Throws
 * if it fails; when it outlives its limit, kills its whole group (pipelines and the processes they
 * started included) and throws a {@link BenchTimeoutError}.
 */
export function runShellBounded(command: string, options: BoundedShellOptions = {}): number {
  const timeoutMs = options.timeoutMs ?? COMMAND_TIMEOUT_MS;
  const start = process.hrtime.bigint();
  const spawnOptions: SpawnSyncOptionsWithStringEncoding & { detached: boolean } = {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    env: options.env ?? process.env,
    // A new session, so its process group id is its pid and the group can be killed as one. Node's
    // types list `detached` for spawn only, but spawnSync takes it alike (a test checks the group).
    detached: true,
    killSignal: 'SIGKILL',
    ...(Number.isFinite(timeoutMs) ? { timeout: timeoutMs } : {}),
  };
  const result = spawnSync('bash', ['-c', command], spawnOptions);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const error = result.error as NodeJS.ErrnoException | undefined;
  if (error?.code === 'ETIMEDOUT') {
    // The shell itself was killed; what it started may still run in its group.
    killGroup(result.pid);
    throw new BenchTimeoutError(
      `benchmark command ${command}`,
      timeoutMs,
      ' (OCIKIT_BENCH_TIMEOUT); its process group was killed',
    );
  }
  if (error !== undefined) throw new Error(`benchmark command could not run: ${command}`, { cause: error });
  if (result.status !== 0) {
    const how = result.signal !== null ? `killed by ${result.signal}` : `exit status ${result.status}`;
    throw new Error(`benchmark command failed (${how}): ${command}\n${result.stderr}`);
  }
  return seconds;
}

/** Sends SIGKILL to process group `pgid`, if any of it is left. */
function killGroup(pgid: number): void {
  if (!(pgid > 0)) return;
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // ESRCH: nothing of the group is left.
  }
}

/**
 * Settles as `work` does, or rejects with a {@link BenchTimeoutError} naming `what` once `timeoutMs`
 * has passed (the work itself cannot be stopped from here and is left behind).
 */
export async function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  if (!Number.isFinite(timeoutMs)) return work;
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BenchTimeoutError(what, timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([work, expiry]);
  } finally {
    clearTimeout(timer);
  }
}

/** Parent pid of every process in `/proc` (empty where there is no `/proc`). */
function parentsByPid(): Map<number, number> {
  const parents = new Map<number, number>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return parents;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so parse after its last `)`.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // It exited meanwhile.
    }
  }
  return parents;
}

/** Every process descended from `root`, parents before their children. */
function descendantsOf(root: number): number[] {
  const childrenOf = new Map<number, number[]>();
  for (const [pid, ppid] of parentsByPid()) childrenOf.set(ppid, [...(childrenOf.get(ppid) ?? []), pid]);
  const found: number[] = [];
  for (let queue = [root]; queue.length > 0; ) {
    const next: number[] = [];
    for (const pid of queue) next.push(...(childrenOf.get(pid) ?? []));
    found.push(...next);
    queue = next;
  }
  return found;
}

/**
 * Kills every process descended from this one (peers, servers and commands a suite left running when
 * it was abandoned at its limit), so they neither keep running nor skew the suites after it. Each is
 * stopped first, so none can start another while the tree is walked; returns the pids killed.
 */
export function killDescendants(root: number = process.pid): number[] {
  const stopped = new Set<number>();
  for (let pass = 0; pass < 3; pass++) {
    const fresh = descendantsOf(root).filter((pid) => !stopped.has(pid));
    if (fresh.length === 0) break;
    for (const pid of fresh) {
      stopped.add(pid);
      signal(pid, 'SIGSTOP');
    }
  }
  for (const pid of stopped) signal(pid, 'SIGKILL');
  return [...stopped];
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // It exited meanwhile.
  }
}

/** One suite of a run: its name and the work that measures and prints it. */
export interface Suite {
  name: string;
  run: () => Promise<void>;
}

/** A suite that threw or outlived its limit. */
export interface SuiteFailure {
  name: string;
  error: unknown;
}

/** Options of {@link runSuites}. */
export interface RunSuitesOptions {
  /** Milliseconds each suite may run; {@link SUITE_TIMEOUT_MS} by default. */
  timeoutMs?: number;
  /** Where progress and failures are written; stderr by default. */
  log?: (line: string) => void;
}

/** The message of a thrown value, with its cause's. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause === undefined ? '' : `\n  cause: ${describeError(error.cause)}`;
  return `${error.stack ?? error.message}${cause}`;
}

/**
 * Runs the suites one after another, each under its limit. A suite that throws is reported (its name
 * and error) and the next one runs; one that outlives its limit is reported the same way and what it
 * left running is killed ({@link killDescendants}). Returns the failures, in order.
 */
export async function runSuites(suites: Suite[], options: RunSuitesOptions = {}): Promise<SuiteFailure[]> {
  const timeoutMs = options.timeoutMs ?? SUITE_TIMEOUT_MS;
  const log = options.log ?? ((line: string) => console.error(line));
  const failures: SuiteFailure[] = [];
  for (const suite of suites) {
    log(`bench: ${suite.name}...`);
    const subject = `bench suite ${suite.name} (OCIKIT_BENCH_SUITE_TIMEOUT)`;
    try {
      // Called inside the try, so a suite that throws before its first await is caught alike.
      await withTimeout(Promise.resolve().then(suite.run), timeoutMs, subject);
    } catch (error) {
      // Abandoned at its limit: what it started would otherwise run on beside the next suites.
      if (error instanceof BenchTimeoutError && error.subject === subject) killDescendants();
      failures.push({ name: suite.name, error });
      log(`bench: ${suite.name} FAILED: ${describeError(error)}`);
    }
  }
  return failures;
}
