import type { Descriptor } from '../spec/types.ts';

/** The annotation BuildKit puts on attestation manifests in an index. */
export const REFERENCE_TYPE_ANNOTATION = 'vnd.docker.reference.type';

/**
 * True for an index entry that is not a runnable image but an attestation (BuildKit provenance,
 * SBOM): platform `unknown/unknown`, or annotation `vnd.docker.reference.type: attestation-manifest`.
 */
export function isAttestation(descriptor: Descriptor): boolean {
  const p = descriptor.platform;
  if (p !== undefined && p.os === 'unknown' && p.architecture === 'unknown') return true;
  return descriptor.annotations?.[REFERENCE_TYPE_ANNOTATION] === 'attestation-manifest';
}
