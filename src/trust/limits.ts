/**
 * Bounds on what signature discovery and verification read from untrusted places, so a hostile
 * registry or layout costs a bounded amount of memory and work.
 */

/** Largest signature payload, bundle or signature manifest read (4 MiB, a registry's manifest limit). */
export const MAX_SIGNATURE_BYTES = 4 * 1024 * 1024;

/** Most signatures of one scheme (layers of the `.sig` manifest, bundle referrers) checked per image. */
export const MAX_SIGNATURES = 256;

/** Largest key file read (a PEM key is well under 1 KiB; an encrypted cosign key about 700 bytes). */
export const MAX_KEY_FILE_BYTES = 64 * 1024;

/** Most bytes of lookaside signatures read for one image in all (8 signatures at the size limit). */
export const MAX_LOOKASIDE_BYTES = 8 * MAX_SIGNATURE_BYTES;
