/**
 * What the registry client needs from the authentication module (`./auth/`): the
 * {@link Authenticator} it asks for `Authorization` values and reports 401 challenges to, and
 * the scopes it asks for. The client never sees or stores credentials itself.
 */
import type { Authenticator } from './auth/authenticator.ts';
import type { AuthScope } from './auth/scope.ts';

export type { Authenticator } from './auth/authenticator.ts';
export type { AuthScope } from './auth/scope.ts';

/** An Authenticator that never authenticates: every request is anonymous. */
export const anonymousAuthenticator: Authenticator = {
  authorize: async () => undefined,
  challenge: async () => false,
};

/** The scope to pull from (and optionally push to) a repository. */
export function repositoryScope(name: string, push = false): AuthScope {
  return { type: 'repository', name, actions: push ? ['pull', 'push'] : ['pull'] };
}
