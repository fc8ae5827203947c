/**
 * An Authenticator for a bearer token the caller already holds (skopeo's `--registry-token`):
 * every request carries it, no token service is asked, and a 401 in answer to it is final.
 */
import { ErrorCode, OciError } from '../../../errors/index.ts';
import type { Authenticator } from './authenticator.ts';

/** Sends `Authorization: Bearer <token>` to the registry; UNAUTHORIZED (never showing the token) when refused. */
export function registryTokenAuthenticator(token: string): Authenticator {
  if (token === '' || /[\s\0]/.test(token)) {
    throw new OciError(ErrorCode.INVALID_ARGUMENT, 'the registry token is empty or holds white space');
  }
  const header = `Bearer ${token}`;
  return {
    authorize: async () => header,
    async challenge(host) {
      throw new OciError(
        ErrorCode.UNAUTHORIZED,
        `registry ${host} refused the registry token given with --registry-token (the registryToken option): ` +
          'it may have expired, or not grant access to this repository',
        { data: { registry: host } },
      );
    },
  };
}
