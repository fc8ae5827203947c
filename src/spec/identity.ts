/** Image and layer-stack identities (config.md "Layer ChainID" and "ImageID"). */
import { type Digest, digestBytes } from '../digest/index.ts';

/**
 * The ChainID of every prefix of a layer stack (config.md "Layer ChainID"):
 * ChainID(L0) = DiffID(L0); ChainID(L0..Ln) = sha256(ChainID(L0..Ln-1) + " " + DiffID(Ln)).
 * Inputs are used as given (not validated), like the reference implementation.
 */
export function chainIds(diffIds: readonly string[]): Digest[] {
  const out: Digest[] = [];
  let previous: string | undefined;
  for (const diffId of diffIds) {
    previous = previous === undefined ? diffId : digestBytes(`${previous} ${diffId}`);
    out.push(previous as Digest);
  }
  return out;
}

/** The ChainID of a whole layer stack; `undefined` for an empty stack (which has no layer to name). */
export function chainId(diffIds: readonly string[]): Digest | undefined {
  return chainIds(diffIds).at(-1);
}

/** The ImageID: the sha256 digest of the config bytes exactly as stored (config.md "ImageID"). */
export function imageId(configBytes: Uint8Array): Digest {
  return digestBytes(configBytes);
}
