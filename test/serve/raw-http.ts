/** Raw HTTP for hostile-client tests: the request target is sent exactly as given (fetch would normalise `..`). */
import { request } from 'node:http';

/** A response, read whole. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The spec error codes of a JSON error body (empty when it is not one). */
  codes: string[];
}

/** Sends one request to `base` (an http URL) with the target `path` untouched. */
export function rawRequest(
  base: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...options.headers };
    // Node sends a GET body without framing unless told its length.
    if (options.body !== undefined && headers['Transfer-Encoding'] === undefined) {
      headers['Content-Length'] = String(Buffer.byteLength(options.body));
    }
    const req = request({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        let codes: string[] = [];
        try {
          const parsed = JSON.parse(body.toString('utf8')) as { errors?: { code: string }[] };
          codes = parsed.errors?.map((e) => e.code) ?? [];
        } catch {
          codes = [];
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, codes });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
