/**
 * The smallest registry client the auth tests need: authorize, send, and on a 401 report the
 * challenge and retry once, as the real client does; a second 401 is reported again so the
 * authenticator can name refused credentials, then becomes UNAUTHORIZED.
 */
import { request } from 'undici';
import { ErrorCode, OciError } from '../../src/errors/index.ts';
import type { Authenticator, AuthScope } from '../../src/transports/registry/auth/index.ts';

/** A response's status and text body. */
export interface Reply {
  status: number;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

/** Sends `method url` for `host` with `auth`, following one challenge. */
export async function send(
  auth: Authenticator,
  host: string,
  method: 'GET' | 'POST' | 'HEAD' | 'PUT',
  url: string,
  scopes: AuthScope[],
  body?: Uint8Array,
): Promise<Reply> {
  let challenged = false;
  for (;;) {
    const authorization = await auth.authorize(host, scopes);
    const headers: Record<string, string> = authorization ? { authorization } : {};
    if (body !== undefined) headers['content-type'] = 'application/octet-stream';
    const res = await request(url, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = method === 'HEAD' ? '' : await res.body.text();
    if (res.statusCode !== 401) return { status: res.statusCode, text, headers: res.headers };
    const www = res.headers['www-authenticate'] ?? '';
    const again = await auth.challenge(host, www, scopes, undefined, authorization ?? null);
    if (!again || challenged) {
      throw new OciError(ErrorCode.UNAUTHORIZED, `${method} ${url} failed with HTTP 401`, {
        data: { status: 401 },
      });
    }
    challenged = true;
  }
}
