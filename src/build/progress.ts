/**
 * Progress of a build, as events a caller (the CLI, a test) renders: a step starting, served from
 * the cache or done; warnings; and the blob transfers of writing the result.
 */
import type { BlobProgress } from '../image/types.ts';

/** One step of one stage (FROM, an instruction, an ONBUILD trigger). */
export interface StepEvent {
  readonly kind: 'step';
  /** Sequence number of the step in this build (`#3`). */
  readonly id: number;
  /** `stage-0` or the stage's name, with the platform for multi-platform builds. */
  readonly stage: string;
  /** 1-based position of the step among the stage's steps (its FROM of an image, then each layer step). */
  readonly index: number;
  readonly total: number;
  readonly platform?: string;
  /** The instruction, expanded, as it is shown (`COPY a.txt /a.txt`). */
  readonly text: string;
  /** 1-based Dockerfile line. */
  readonly line: number;
  readonly status: 'started' | 'cached' | 'done';
  /** True when the step's result came from the cache. */
  readonly cached: boolean;
  /** Milliseconds the step took (done and cached only). */
  readonly ms?: number;
}

/** A line a RUN step printed (its stdout or stderr), tagged with the step's `id`. */
export interface OutputEvent {
  readonly kind: 'output';
  /** The {@link StepEvent.id} of the step. */
  readonly id: number;
  readonly stream: 'stdout' | 'stderr';
  /** The line, without its newline. */
  readonly line: string;
}

/** A warning (an unused build argument, a deprecated instruction, ...). */
export interface WarningEvent {
  readonly kind: 'warning';
  readonly message: string;
  readonly line?: number;
}

/** A blob written to a destination. */
export interface BlobEvent extends BlobProgress {
  readonly kind: 'blob';
}

/** Anything a build reports while it runs. */
export type BuildEvent = StepEvent | OutputEvent | WarningEvent | BlobEvent;
