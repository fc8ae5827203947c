/** The options of the registry server and what a handler needs at hand for one request. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Repositories } from './repositories.ts';
import type { UploadSessions } from './upload-sessions.ts';

/** One line of the request log (never credentials: no headers, no query string). */
export interface RequestLog {
  time: string;
  method: string;
  path: string;
  status: number;
  /** Response body bytes. */
  bytes: number;
  ms: number;
  /** The authenticated user, when there is one. */
  user?: string;
}

/** Options of {@link createHandler} and {@link startServer}. */
export interface ServeOptions {
  /** The folder holding one OCI image layout per repository (`ROOT/org/app/` for `org/app`). */
  root: string;
  /** Refuse every write (405 UNSUPPORTED). */
  readOnly?: boolean;
  /** An htpasswd file of bcrypt entries; when set, requests need basic auth. */
  htpasswd?: string;
  /** With `htpasswd`: GET and HEAD need no credentials. */
  anonymousRead?: boolean;
  /** Called once per finished request. */
  log?: (entry: RequestLog) => void;
  /** Largest manifest accepted (default 4 MiB, spec.md "Pushing Manifests"). */
  maxManifestBytes?: number;
  /** Most upload sessions open at once (default 256); more are refused with 429 TOOMANYREQUESTS. */
  maxUploads?: number;
  /** An upload session untouched this long is dropped with its bytes (default 15 min). */
  uploadTimeoutMs?: number;
  /**
   * Another handler answering every path under `prefix` (e.g. `/ui`, the explorer), after the
   * same authentication as the registry's reads; `/v2/` stays the registry's alone.
   */
  mount?: { prefix: string; handle(req: IncomingMessage, res: ServerResponse): Promise<void> };
}

/** What a route handler gets. */
export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  repositories: Repositories;
  uploads: UploadSessions;
  options: Required<Pick<ServeOptions, 'maxManifestBytes' | 'readOnly'>>;
  /** The query string of the request. */
  query: URLSearchParams;
  /** The repository name of the route (already checked against the grammar). */
  name: string;
  /** The route's last path part: a tag, digest or session id. */
  ref: string;
}
