/** Credentials and the store they come from; secrets never appear in messages or error data. */
import { ErrorCode, OciError } from '../../../errors/index.ts';

/** The user name a credential helper reports for an identity (refresh) token (Docker convention). */
export const IDENTITY_TOKEN_USER = '<token>';

/** Where a credential was found, for the messages of a refusal (never the secret itself). */
export interface CredentialSource {
  /** In words, with its preposition: `from /path/auth.json`, `from credential helper docker-credential-NAME`, `given with --creds`. */
  description: string;
  /** What replaces stale credentials there, when something can (e.g. `ocikit login HOST`). */
  remedy?: string;
}

/** What a registry login is made of: a user and password, or an OAuth2 identity (refresh) token. */
export interface Credential {
  /** The user name ('' when only an identity token is known). */
  username: string;
  /** The password, when the credential is a user/password pair. */
  password?: string;
  /** An OAuth2 refresh token (Docker's "identity token"), sent with `grant_type=refresh_token`. */
  identityToken?: string;
  /** Where it was found, when the store knows. */
  source?: CredentialSource;
}

/** Where credentials are kept, keyed by registry host (`host[:port]`; `docker.io` for Docker Hub). */
export interface CredentialStore {
  /** The credential for `host`, or undefined when none is stored. */
  get(host: string): Promise<Credential | undefined>;
  /** Saves `user`/`secret` for `host`; a `user` of `<token>` makes `secret` an identity token. */
  store(host: string, user: string, secret: string): Promise<void>;
  /** Removes the credential for `host`; resolves true when one was removed. */
  erase(host: string): Promise<boolean>;
}

/** Builds a {@link Credential} from the `user`/`secret` pair of the credential-helper protocol. */
export function credentialFrom(user: string, secret: string): Credential {
  return user === IDENTITY_TOKEN_USER
    ? { username: '', identityToken: secret }
    : { username: user, password: secret };
}

/**
 * A CredentialStore answering every host with one credential (the `credentials` option, `--creds`):
 * it belongs to the one registry a client talks to. Storing and erasing are refused.
 */
export function fixedCredentialStore(credential: { username: string; password: string }): CredentialStore {
  const answer: Credential = {
    username: credential.username,
    password: credential.password,
    source: { description: 'given with --creds' },
  };
  return {
    get: async () => answer,
    store: async () => {
      throw new OciError(ErrorCode.UNSUPPORTED, 'credentials given as an option are not stored');
    },
    erase: async () => false,
  };
}

/** A CredentialStore held in memory (for one-off logins, tests, and callers with their own secrets). */
export function memoryCredentialStore(initial: Record<string, Credential> = {}): CredentialStore {
  const entries = new Map<string, Credential>(Object.entries(initial));
  return {
    get: async (host) => entries.get(host),
    store: async (host, user, secret) => {
      entries.set(host, credentialFrom(user, secret));
    },
    erase: async (host) => entries.delete(host),
  };
}
