/**
 * One run of a step's command: its bundle (config.json beside a root filesystem prepared by the
 * caller) run by runc, a non-zero exit turned into the step's COMMAND_FAILED error.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandFailed } from '../errors.ts';
import type { StepPlace } from '../types.ts';
import { runBundle } from './runc.ts';
import { type ContainerParts, containerSpec, type SpecMount } from './spec.ts';

/** Options of {@link runContainer}. */
export interface RunContainerOptions {
  readonly place?: StepPlace;
  readonly runc?: { readonly binary?: string; readonly root?: string };
  readonly onOutput?: (chunk: Buffer, stream: 'stdout' | 'stderr') => void;
  readonly signal?: AbortSignal;
}

/**
 * Writes the bundle into `bundleDir` and runs it. Resolves when the command exited 0; fails with
 * COMMAND_FAILED naming the place, the argv and the exit code otherwise (runc's own explanation,
 * when it failed to start the process, in the message and in `data.runtime`).
 */
export async function runContainer(
  bundleDir: string,
  parts: ContainerParts,
  mounts: readonly SpecMount[],
  options: RunContainerOptions,
): Promise<void> {
  mkdirSync(bundleDir, { recursive: true });
  writeFileSync(join(bundleDir, 'config.json'), JSON.stringify(containerSpec(parts, mounts), null, 2));
  const result = await runBundle(bundleDir, {
    ...(options.runc?.binary !== undefined ? { binary: options.runc.binary } : {}),
    ...(options.runc?.root !== undefined ? { root: options.runc.root } : {}),
    ...(options.onOutput !== undefined ? { onOutput: options.onOutput } : {}),
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
  });
  if (result.exitCode === 0) return;
  const error = commandFailed(options.place, parts.argv, result.exitCode);
  if (result.runtimeErrors.length > 0) {
    const runtime = result.runtimeErrors.join('; ');
    error.message += ` (${runtime})`;
    error.data.runtime = runtime;
  }
  throw error;
}
