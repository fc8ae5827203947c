/**
 * The RUN step executor of `ocikit build`: a command run by runc on a stage's layers, its
 * changes captured as a layer (off an overlay's upper directory, or by snapshot comparison).
 */
export { DEFAULT_SHELL, type StepCommand, stepCommand } from './command.ts';
export { LayerCache } from './rootfs/layer-cache.ts';
export { runStep } from './run-step.ts';
export type {
  CaptureMethod,
  IdMapping,
  LowerLayer,
  RunMount,
  RunStepOptions,
  RunStepResult,
  SpooledRunLayer,
  StepPlace,
} from './types.ts';
export { resolveStepUser, type StepUser } from './user.ts';
