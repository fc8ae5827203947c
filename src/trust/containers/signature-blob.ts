/**
 * The signature blobs of the containers tools (containers/image `internal/signature`): a lookaside
 * file, or `signature-N` in skopeo's `dir:` format. A blob starting with a NUL byte names its
 * format on the first line: `\0sigstore-json\n` followed by
 * `{"mimeType":…,"payload":BASE64,"annotations":{…}}` (a cosign signature as an attachment layer
 * holds it), or `\0simple-signing\n` followed by a GPG simple signature. Without the NUL byte it
 * is a GPG simple signature of the older form.
 */
import * as z from 'zod/mini';
import { decodeBase64 } from '../encoding/base64.ts';
import { readJson } from '../encoding/json.ts';
import { MAX_SIGNATURE_BYTES } from '../limits.ts';
import { rejection } from '../rejection.ts';
import type { SimpleSignature } from '../verify/simple.ts';

const SIGSTORE_JSON = Buffer.from('\0sigstore-json\n', 'latin1');

const sigstoreJsonSchema = z.looseObject({
  mimeType: z.string(),
  payload: z.string(),
  annotations: z.optional(z.nullable(z.record(z.string(), z.string()))),
});

/**
 * The cosign signature in a containers signature blob. A `not-a-signature` rejection for a GPG
 * simple signature or an unknown format; `malformed` or `too-large` for a bad sigstore-json body.
 */
export function parseContainersSignature(blob: Uint8Array): SimpleSignature {
  const bytes = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (!bytes.subarray(0, SIGSTORE_JSON.byteLength).equals(SIGSTORE_JSON)) {
    const format =
      bytes[0] === 0
        ? bytes
            .subarray(1, Math.max(1, bytes.indexOf(0x0a)))
            .toString('latin1')
            .slice(0, 50)
        : 'simple-signing (GPG)';
    throw rejection(
      'not-a-signature',
      `it is a ${JSON.stringify(format)} signature, not a cosign (sigstore-json) one`,
    );
  }
  const body = readJson<{ mimeType: string; payload: string; annotations?: Record<string, string> | null }>(
    bytes.subarray(SIGSTORE_JSON.byteLength),
    sigstoreJsonSchema,
    'sigstore-json signature',
    MAX_SIGNATURE_BYTES * 2,
  );
  return {
    mediaType: body.mimeType,
    payload: decodeBase64(body.payload, 'payload', { maxBytes: MAX_SIGNATURE_BYTES }),
    annotations: body.annotations ?? undefined,
  };
}
