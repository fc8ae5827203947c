/**
 * `copy --sign-by`: a simple signature of the destination's manifest, claiming the destination
 * reference (with its tag) as its identity, as `skopeo copy --sign-by` writes it, stored in the
 * lookaside storage registries.d names for writing (`lookaside-staging`, else `lookaside`).
 */
import { ErrorCode, OciError } from '../../errors/index.ts';
import { formatReference, withDefaultTag } from '../../reference/index.ts';
import { transportOf } from '../../transports/index.ts';
import { loadRegistriesConfig, type RegistriesDirOptions } from '../registries-d/config.ts';
import { lookasideRepositoryUrl, readLookaside, writeLookaside } from '../registries-d/lookaside.ts';
import { gpgSign, requireSecretKey } from './gpg.ts';
import { atomicPayload } from './payload.ts';

/** Options of {@link signWithGpg}. */
export interface GpgSignOptions {
  registries?: RegistriesDirOptions;
  /** The keyring folder (default `GNUPGHOME`, else gpg's default). */
  gnupgHome?: string;
  /** Signatures already stored for the digest are kept (appended to), unless false. Default true. */
  keepExisting?: boolean;
  /** The passphrase of the signing key (`--sign-passphrase-file`), when it has one. */
  passphrase?: string;
}

/**
 * Checks before a copy that `name` is a registry name and that the keyring has the secret key
 * `fingerprint`: UNSUPPORTED or NOT_FOUND, so nothing is written when signing cannot happen. With
 * a `passphrase`, a throwaway payload is signed too, so a wrong passphrase fails (WRONG_PASSWORD)
 * before anything is copied rather than leaving the destination unsigned.
 */
export async function checkGpgSigning(
  name: string,
  fingerprint: string,
  options: GpgSignOptions = {},
): Promise<void> {
  registryName(name);
  const homedir = options.gnupgHome !== undefined ? { homedir: options.gnupgHome } : {};
  await requireSecretKey(fingerprint, homedir);
  if (options.passphrase !== undefined)
    await gpgSign(new TextEncoder().encode('ocikit: passphrase check'), fingerprint, {
      ...homedir,
      passphrase: options.passphrase,
    });
}

/** The reference part of a registry name; UNSUPPORTED for other transports. */
function registryName(name: string): string {
  const { label, reference } = transportOf(name);
  if (label !== 'registry' && label !== 'docker') {
    throw new OciError(
      ErrorCode.UNSUPPORTED,
      `--sign-by signs registry images only (their signatures go to registries.d's lookaside storage), not ${label}: names`,
    );
  }
  return reference;
}

/**
 * Signs the registry image `name` (its manifest `digest`) with the GPG key `fingerprint` and
 * stores the signature. UNSUPPORTED for a destination that is not a registry (no lookaside
 * storage applies); returns where the signature was written.
 */
export async function signWithGpg(
  name: string,
  digest: string,
  fingerprint: string,
  options: GpgSignOptions = {},
): Promise<string> {
  const reference = registryName(name);
  const { parseRegistryReference } = await import('../../transports/registry/index.ts');
  const ref = withDefaultTag(parseRegistryReference(reference));
  if (ref.tag === undefined) throw new OciError(ErrorCode.INVALID_REFERENCE, `${name} has no tag to claim`);
  const identity = formatReference({ registry: ref.registry, repository: ref.repository, tag: ref.tag });
  const payload = atomicPayload({
    identity,
    digest,
    creator: 'ocikit',
    timestamp: Math.floor(Date.now() / 1000),
  });
  const signature = await gpgSign(payload, fingerprint, {
    ...(options.gnupgHome !== undefined ? { homedir: options.gnupgHome } : {}),
    ...(options.passphrase !== undefined ? { passphrase: options.passphrase } : {}),
  });
  const config = await loadRegistriesConfig(options.registries);
  const url = lookasideRepositoryUrl(config, ref, true);
  const existing = options.keepExisting === false ? [] : await readLookaside(url, digest);
  await writeLookaside(url, digest, [...existing, signature]);
  return url.href;
}
