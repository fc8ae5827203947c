/**
 * GPG signing and verification of simple signatures through the `gpg` binary (see
 * docs/DECISIONS.md for why not openpgp.js). Signing uses the user's keyring (`GNUPGHOME`) as
 * skopeo does; verification imports only the policy's keys into a throw-away keyring, as
 * containers/image's "ephemeral" mechanism does, so the user's keyring never decides trust.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, OciError } from '../../errors/index.ts';
import { MAX_SIGNATURE_BYTES } from '../limits.ts';
import { rejection } from '../rejection.ts';
import { gpgMessage, PASSPHRASE_FD, runGpg } from './gpg-run.ts';

/**
 * Signs `payload` with the secret key `fingerprint` of the keyring in `GNUPGHOME` (or
 * `options.homedir`): an OpenPGP signed message, binary, as containers/image writes it. A
 * `passphrase` unlocks the key (handed to gpg on a file descriptor, pinentry in loopback mode).
 * NOT_FOUND when the keyring has no usable secret key by that name (or it needs a passphrase
 * not given); WRONG_PASSWORD when gpg refused the passphrase given.
 */
export async function gpgSign(
  payload: Uint8Array,
  fingerprint: string,
  options: { homedir?: string; env?: NodeJS.ProcessEnv; passphrase?: string } = {},
): Promise<Buffer> {
  checkKeyName(fingerprint);
  const unlock =
    options.passphrase === undefined
      ? ['--pinentry-mode', 'error']
      : ['--pinentry-mode', 'loopback', '--passphrase-fd', String(PASSPHRASE_FD)];
  const out = await runGpg([...unlock, '--local-user', fingerprint, '--sign'], payload, options);
  if (options.passphrase !== undefined && out.status.some(saysBadPassphrase)) {
    throw new OciError(
      ErrorCode.WRONG_PASSWORD,
      `gpg could not unlock key ${fingerprint} with the passphrase given: ${gpgMessage(out)}`,
      { data: { fingerprint } },
    );
  }
  if (out.code !== 0 || out.stdout.byteLength === 0) {
    throw new OciError(
      ErrorCode.NOT_FOUND,
      `gpg could not sign with key ${fingerprint}: ${gpgMessage(out)} (${
        options.passphrase === undefined
          ? 'is the secret key in GNUPGHOME? A key with a passphrase needs --sign-passphrase-file'
          : 'is the secret key in GNUPGHOME?'
      })`,
      { data: { fingerprint } },
    );
  }
  return out.stdout;
}

/**
 * Resolves when the keyring (`GNUPGHOME`, or `options.homedir`) has the secret key `fingerprint`,
 * so a copy can refuse before it writes anything; NOT_FOUND otherwise.
 */
export async function requireSecretKey(
  fingerprint: string,
  options: { homedir?: string } = {},
): Promise<void> {
  checkKeyName(fingerprint);
  const out = await runGpg(
    ['--with-colons', '--list-secret-keys', '--', fingerprint],
    new Uint8Array(),
    options,
  );
  if (out.code !== 0 || !/^sec:/m.test(out.stdout.toString('utf8'))) {
    throw new OciError(
      ErrorCode.NOT_FOUND,
      `the GPG keyring has no secret key ${fingerprint}: ${gpgMessage(out)}`,
      {
        data: { fingerprint },
      },
    );
  }
}

/** GPG_ERR_BAD_PASSPHRASE, the low 16 bits of a libgpg-error code. */
const GPG_ERR_BAD_PASSPHRASE = 11;

/** True for a status line saying the passphrase was wrong (`BAD_PASSPHRASE`, or `FAILURE sign` with its code). */
function saysBadPassphrase(line: string): boolean {
  if (line.startsWith('BAD_PASSPHRASE')) return true;
  const failure = /^(?:FAILURE|ERROR) \S+ ([0-9]+)$/.exec(line);
  return failure !== null && (Number(failure[1]) & 0xffff) === GPG_ERR_BAD_PASSPHRASE;
}

/** INVALID_ARGUMENT unless `fingerprint` reads as a key name (never as a gpg option). */
function checkKeyName(fingerprint: string): void {
  if (!/^[0-9A-Za-z@._<>+ -]{1,200}$/.test(fingerprint) || fingerprint.startsWith('-')) {
    throw new OciError(
      ErrorCode.INVALID_ARGUMENT,
      `${JSON.stringify(fingerprint.slice(0, 100))} is not a key name`,
    );
  }
}

/** A throw-away keyring holding only some public keys. */
export interface EphemeralKeyring {
  readonly homedir: string;
  /** The fingerprints of the primary keys imported (upper-case hex). */
  readonly fingerprints: readonly string[];
  close(): Promise<void>;
}

/**
 * A temp keyring with the public keys of `keys` (each armored or binary, one or several keys per
 * item) imported. INVALID_DOCUMENT when an item holds no key gpg reads.
 */
export async function ephemeralKeyring(keys: readonly Uint8Array[]): Promise<EphemeralKeyring> {
  const homedir = await mkdtemp(join(tmpdir(), 'ocikit-gpg-'));
  const close = () => rm(homedir, { recursive: true, force: true });
  try {
    for (const key of keys) {
      const out = await runGpg(['--import-options', 'import-minimal', '--import'], key, { homedir });
      if (!out.status.some((l) => l.startsWith('IMPORT_OK '))) {
        throw new OciError(ErrorCode.INVALID_DOCUMENT, `no public key could be imported: ${gpgMessage(out)}`);
      }
    }
    const listed = await runGpg(['--with-colons', '--fixed-list-mode', '--list-keys'], new Uint8Array(), {
      homedir,
    });
    const fingerprints: string[] = [];
    let primary = false;
    for (const line of listed.stdout.toString('utf8').split('\n')) {
      const fields = line.split(':');
      if (fields[0] === 'pub') primary = true;
      else if (fields[0] === 'sub') primary = false;
      else if (fields[0] === 'fpr' && primary) {
        fingerprints.push((fields[9] ?? '').toUpperCase());
        primary = false;
      }
    }
    return { homedir, fingerprints, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** A GPG signature whose cryptography verified: the signed bytes and who signed them. */
export interface GpgVerified {
  payload: Buffer;
  /** The fingerprint of the (sub)key that made the signature. */
  signingKey: string;
  /** The fingerprint of its primary key. */
  primaryKey: string;
}

/**
 * Verifies the signed message `signature` against the keys of `keyring` and returns its content.
 * A `bad-signature` rejection when it is not exactly one good signature by one of those keys
 * (unknown key, changed bytes, no signature at all); `too-large` above the size limit.
 */
export async function gpgVerify(keyring: EphemeralKeyring, signature: Uint8Array): Promise<GpgVerified> {
  if (signature.byteLength > MAX_SIGNATURE_BYTES) {
    throw rejection(
      'too-large',
      `the signature is ${signature.byteLength} bytes, over the ${MAX_SIGNATURE_BYTES}-byte limit`,
    );
  }
  const out = await runGpg(['--output', '-', '--decrypt'], signature, {
    homedir: keyring.homedir,
    maxOutput: MAX_SIGNATURE_BYTES,
  });
  const valid = out.status.filter((l) => l.startsWith('VALIDSIG '));
  const started = out.status.filter(
    (l) => l.startsWith('NEWSIG') || l.startsWith('ERRSIG ') || l.startsWith('BADSIG '),
  );
  const plaintexts = out.status.filter((l) => l.startsWith('PLAINTEXT '));
  if (out.code !== 0 || valid.length !== 1 || started.length > 1 || plaintexts.length !== 1) {
    const why = out.status.some((l) => l.startsWith('NO_PUBKEY ') || l.startsWith('ERRSIG '))
      ? 'it was made by a key the policy does not list'
      : out.status.some((l) => l.startsWith('BADSIG '))
        ? 'the signed content was changed'
        : valid.length === 0
          ? `it is not a GPG signature gpg verifies (${gpgMessage(out)})`
          : 'it is not exactly one signature over one content';
    throw rejection('bad-signature', `the GPG signature does not verify: ${why}`);
  }
  const fields = (valid[0] as string).split(' ');
  const signingKey = (fields[1] ?? '').toUpperCase();
  const primaryKey = (fields[10] ?? fields[1] ?? '').toUpperCase();
  return { payload: out.stdout, signingKey, primaryKey };
}
