/**
 * `ocikit/serve`: a distribution-spec 1.1 registry over a folder of OCI image layouts, one per
 * repository (`ROOT/org/app/` serves `org/app`), to start in-process or from `ocikit serve`.
 */
export { createRequestListener, type HandlerParts } from './handler.ts';
export { formatLogLine } from './log-format.ts';
export type { RequestLog, ServeOptions } from './options.ts';
export { Repositories } from './repositories.ts';
export {
  createHandler,
  parseListen,
  type RegistryHandler,
  type RunningServer,
  type StartServerOptions,
  startServer,
} from './server.ts';
export { UploadSessions } from './upload-sessions.ts';
