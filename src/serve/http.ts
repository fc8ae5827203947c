/** Small response and request-body helpers over `node:http`, shared by the route handlers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody, type ServeError, SpecCode, serveError } from './errors.ts';

/** Sends a response with `headers` and an optional body (its Content-Length set from it). */
export function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string | number> = {},
  body?: string | Uint8Array,
): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, {
    ...headers,
    'Content-Length': headers['Content-Length'] ?? bytes?.byteLength ?? 0,
  });
  if (bytes !== undefined && res.req.method !== 'HEAD') res.end(bytes);
  else res.end();
}

/** Sends `value` as JSON with `status` and `headers`. */
export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string | number> = {},
): void {
  send(res, status, { 'Content-Type': 'application/json', ...headers }, JSON.stringify(value));
}

/** Sends the spec's error body for `err`; when headers are already out, the connection is cut. */
export function sendError(res: ServerResponse, err: ServeError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  send(res, err.status, { 'Content-Type': 'application/json', ...err.headers }, errorBody(err));
}

/**
 * Reads a whole request body of at most `limit` bytes: a larger declared Content-Length is refused
 * before reading (413, SIZE_INVALID), and a body that grows past the limit is cut off the same way.
 */
export async function readBody(req: IncomingMessage, limit: number, what: string): Promise<Buffer> {
  const declared = declaredLength(req);
  if (declared !== undefined && declared > limit) throw tooLarge(what, limit);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > limit) throw tooLarge(what, limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** The request's Content-Length as a number; undefined when absent (chunked); 400 when malformed. */
export function declaredLength(req: IncomingMessage): number | undefined {
  const header = req.headers['content-length'];
  if (header === undefined) return undefined;
  if (!/^\d{1,15}$/.test(header)) {
    throw serveError(SpecCode.SIZE_INVALID, 400, 'malformed Content-Length');
  }
  return Number(header);
}

/** Drains what is left of a request body so the connection can be reused, up to `limit` bytes. */
export function drain(req: IncomingMessage): void {
  if (!req.complete) req.resume();
}

function tooLarge(what: string, limit: number): ServeError {
  return serveError(SpecCode.SIZE_INVALID, 413, `${what} is over the ${limit}-byte limit`, { limit });
}
