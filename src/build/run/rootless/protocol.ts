/**
 * The messages between a rootless step's parent (outside the user namespace) and its worker
 * (inside, as the namespace's root), over Node's IPC channel. Everything is JSON; byte streams
 * (lower layers in, the new layer out) go through files in an exchange folder both can read.
 */
import type { CaptureMethod, RunStepOptions } from '../types.ts';

/** The part of {@link RunStepOptions} that crosses to the worker as it is. */
export type PortableOptions = Omit<
  RunStepOptions<unknown>,
  'layers' | 'onOutput' | 'onWarning' | 'writeLayer' | 'signal' | 'idMappings'
>;

/** Parent → worker. */
export type ToWorker =
  | {
      readonly t: 'start';
      readonly options: PortableOptions;
      readonly diffIds: readonly string[];
      /** A folder owned by the building user, for lower layer blobs and the new layer's tar. */
      readonly exchange: string;
    }
  | { readonly t: 'opened'; readonly req: number; readonly path?: string; readonly error?: string }
  | { readonly t: 'abort' };

/** A failure as it crosses back: an OciError's code, message and data. */
export interface PortableError {
  readonly code: string;
  readonly message: string;
  readonly data: Record<string, unknown>;
}

/** Worker → parent. */
export type FromWorker =
  | { readonly t: 'open'; readonly req: number; readonly index: number }
  | { readonly t: 'output'; readonly stream: 'stdout' | 'stderr'; readonly data: string }
  | { readonly t: 'warning'; readonly message: string }
  | {
      readonly t: 'done';
      /** The new layer's uncompressed tar in the exchange folder; absent when nothing changed. */
      readonly tar?: string;
      readonly entries: number;
      readonly method: CaptureMethod;
      readonly user: {
        readonly uid: number;
        readonly gid: number;
        readonly additionalGids: readonly number[];
      };
    }
  | { readonly t: 'failed'; readonly error: PortableError };
