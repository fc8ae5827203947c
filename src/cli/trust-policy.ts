/**
 * The trust steps commands share: enforcing policy.json on an image before it is used
 * (`copy`, `unpack`), and signing a copy's destination with GPG (`copy --sign-by`).
 */
import { ErrorCode, isOciError } from '../errors/index.ts';
import type { TransportOptions } from '../transports/index.ts';
import type { CarryResult } from '../trust/carry/carry.ts';
import type { Policy } from '../trust/policy/types.ts';
import { log } from './output.ts';

/** The policy flags of a command. */
export interface PolicyFlags {
  /** `--policy FILE`. */
  policy?: string;
  /** `--insecure-policy`: no policy at all. */
  insecurePolicy?: boolean;
  /** `--registries.d DIR`. */
  registriesD?: string;
}

/** Checks one image against the trust policy: `name`, its manifest `digest`, the transport options to read its signatures with. */
export type PolicyEnforcer = (
  name: string,
  digest: string,
  options: TransportOptions & { signal?: AbortSignal },
) => Promise<void>;

/**
 * The check of images against the policy that applies (`--policy`, else the user's, else the
 * system's policy.json): nothing when there is none or with `--insecure-policy`. policy.json is
 * read once, on the first check (a sync checks every image with one, as skopeo sync does); a
 * policy that cannot be read fails every check.
 */
export function policyEnforcer(flags: PolicyFlags): PolicyEnforcer {
  if (flags.insecurePolicy === true) return async () => {};
  let loaded: Promise<Policy | undefined> | undefined;
  return async (name, digest, options) => {
    // The modules themselves, not the trust index: a copy that checks a policy loads no key,
    // cipher or signing code (measured: the index's chunk is 0.8 MB).
    const [{ checkPolicy }, { loadPolicy }] = await Promise.all([
      import('../trust/policy/check.ts'),
      import('../trust/policy/load.ts'),
    ]);
    loaded ??= loadPolicy(flags.policy !== undefined ? { path: flags.policy } : {}).then(
      (found) => found?.policy,
    );
    const policy = await loaded;
    if (policy === undefined) return;
    await checkPolicy(policy, name, digest, {
      ...options,
      ...(flags.registriesD !== undefined ? { registries: { dir: flags.registriesD } } : {}),
    });
  };
}

/** Checks the image `name` (manifest `digest`) against the policy that applies (see {@link policyEnforcer}). */
export function enforceImagePolicy(
  name: string,
  digest: string,
  flags: PolicyFlags,
  options: TransportOptions & { signal?: AbortSignal },
): Promise<void> {
  return policyEnforcer(flags)(name, digest, options);
}

/** Before a copy with `--sign-by`: refuses (nothing written) when signing cannot happen. */
export async function checkSigning(name: string, fingerprint: string, passphrase?: string): Promise<void> {
  const { checkGpgSigning } = await import('../trust/index.ts');
  await checkGpgSigning(name, fingerprint, passphrase !== undefined ? { passphrase } : {});
}

/**
 * `--sign-by FINGERPRINT`: signs the written destination (the key unlocked with `passphrase`,
 * from `--sign-passphrase-file`, when given) and says where the signature went.
 */
export async function signDestination(
  name: string,
  digest: string,
  fingerprint: string,
  flags: PolicyFlags,
  passphrase?: string,
): Promise<void> {
  const { signWithGpg } = await import('../trust/index.ts');
  const where = await signWithGpg(name, digest, fingerprint, {
    ...(flags.registriesD !== undefined ? { registries: { dir: flags.registriesD } } : {}),
    ...(passphrase !== undefined ? { passphrase } : {}),
  });
  log(`signed ${digest} with key ${fingerprint}: ${where}`);
}

/** Options of {@link carryAlong} and {@link startCarryAlong}. */
export interface CarryAlongOptions {
  source: TransportOptions;
  destination: TransportOptions;
  signal?: AbortSignal;
  allReferrers?: boolean;
  /** Only referrers travel (`--remove-signatures --referrers`). */
  removeSignatures?: boolean;
  /** Every tag of the source repository, when just listed (see `CarryOptions.sourceTags`). */
  sourceTags?: ReadonlySet<string>;
}

/** A carry started before its copy: `finish` once the image is written, `cancel` if it is not. */
export interface CarryAlong {
  finish(destinationDigest: string): Promise<void>;
  cancel(): Promise<void>;
}

/**
 * Starts carrying the source's signatures (`.sig` manifest, referrers, lookaside simple
 * signatures): the lookups at the source go out now, while the image is copied. `finish` copies
 * them to the destination when the copy kept the digest, and warns about each one it drops.
 */
export function startCarryAlong(
  source: string,
  destination: string,
  sourceDigest: string,
  flags: PolicyFlags,
  options: CarryAlongOptions,
): CarryAlong {
  // Loaded and started beside the copy, not before it.
  const started = import('../trust/carry/carry.ts').then(({ startCarry }) =>
    startCarry(source, destination, sourceDigest as never, {
      ...options,
      ...(flags.registriesD !== undefined ? { registries: { dir: flags.registriesD } } : {}),
      onWarning: (message) => log(`warning: ${message}`),
    }),
  );
  started.catch(() => {}); // reported by finish()
  return {
    async cancel(): Promise<void> {
      await (await started.catch(() => undefined))?.cancel();
    },
    async finish(destinationDigest: string): Promise<void> {
      let carried: CarryResult;
      try {
        carried = await (await started).finish(destinationDigest as never);
      } catch (err) {
        // The image is written; signatures that could not be carried are reported, not fatal.
        if (!isOciError(err) || err.code === ErrorCode.ABORTED) throw err;
        log(`warning: the signatures of ${source} were not copied: ${err.code}: ${err.message}`);
        return;
      }
      const total = carried.tagScheme + carried.referrers + carried.lookaside;
      if (total > 0) {
        log(
          `copied signatures: ${carried.tagScheme} signature manifest(s), ${carried.referrers} referrer(s), ${carried.lookaside} simple signature(s)`,
        );
      }
    },
  };
}

/**
 * Copies the source's signatures (`.sig` manifest, referrers, lookaside simple signatures) to
 * the destination when the copy kept the digest; warns about each one it drops.
 */
export async function carryAlong(
  source: string,
  destination: string,
  sourceDigest: string,
  destinationDigest: string,
  flags: PolicyFlags,
  options: CarryAlongOptions,
): Promise<void> {
  await startCarryAlong(source, destination, sourceDigest, flags, options).finish(destinationDigest);
}

/**
 * `--sign-by-sigstore-private-key KEY`: opens the cosign key before the copy (its password
 * `password` from `--sign-passphrase-file`, else `COSIGN_PASSWORD`, else asked for), and returns the step that signs the destination after it,
 * claiming the destination reference with its tag as skopeo does.
 */
export async function prepareSigstoreSigning(
  destination: string,
  keyPath: string,
  password?: string,
): Promise<(digest: string, options: TransportOptions & { signal?: AbortSignal }) => Promise<void>> {
  const { readKeyFile } = await import('./commands/sign.ts');
  const { keyPassword } = await import('./commands/key.ts');
  const { keySigner, readPrivateKey, signImage } = await import('../trust/index.ts');
  const { transportOf } = await import('../transports/index.ts');
  const { label, reference } = transportOf(destination);
  if (label !== 'registry' && label !== 'docker' && label !== 'oci') {
    const { ErrorCode, OciError } = await import('../errors/index.ts');
    throw new OciError(
      ErrorCode.UNSUPPORTED,
      `--sign-by-sigstore-private-key signs registry and oci: images only, not ${label}: names`,
    );
  }
  let identity: string | undefined;
  if (label === 'registry' || label === 'docker') {
    const { parseRegistryReference } = await import('../transports/registry/index.ts');
    const { formatReference, withDefaultTag } = await import('../reference/index.ts');
    identity = formatReference(withDefaultTag(parseRegistryReference(reference)));
  }
  const key = await readPrivateKey(
    await readKeyFile(keyPath),
    password ?? (await keyPassword(false)),
    keyPath,
  );
  return async (digest, options) => {
    // The name resolves to what the copy just wrote; the result says which digest was signed.
    const result = await signImage(destination, keySigner(key), {
      ...options,
      format: 'tag',
      ...(identity !== undefined ? { identity } : {}),
    });
    if (result.digest !== digest) {
      const { ErrorCode, OciError } = await import('../errors/index.ts');
      throw new OciError(
        ErrorCode.INVALID_DOCUMENT,
        `${destination} changed during the copy: signed ${result.digest}, wrote ${digest}`,
      );
    }
    log(`signed ${result.digest} with ${keyPath}: ${result.signatures} signature(s) in ${result.tag}`);
  };
}
