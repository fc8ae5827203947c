/**
 * DSSE, the Dead Simple Signing Envelope (secure-systems-lab/dsse, protocol v1): the signature is
 * over PAE(payloadType, payload) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, with LEN
 * the decimal byte length, so the payload type is signed along with the payload.
 */

/** The payload type of an in-toto statement. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** The pre-authentication encoding DSSE signs: binds `payloadType` and `payload` together. */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.byteLength} `, 'utf8'),
    type,
    Buffer.from(` ${payload.byteLength} `, 'utf8'),
    payload,
  ]);
}

/** A DSSE envelope as JSON carries it (base64 fields). */
export interface DsseEnvelope {
  payload: string;
  payloadType: string;
  signatures: { sig: string; keyid?: string }[];
}
