/** Opening the {@link SignatureStore} of an image name: a registry repository or an `oci:` layout. */
import { ErrorCode, OciError } from '../../errors/index.ts';
import { openLayout } from '../../store/index.ts';
import { openSource, type TransportOptions, transportOf } from '../../transports/index.ts';
import { parseLayoutReference } from '../../transports/layout/index.ts';
import { layoutStore } from './layout.ts';
import { registryStore } from './registry.ts';
import type { SignatureStore } from './types.ts';

/**
 * The store of the image `name` (`oci:DIR[:TAG|@DIGEST]`, `docker://REF` or a bare registry
 * reference; a registry name without tag or digest means `:latest`). UNSUPPORTED for transports
 * that hold no signatures (archives, `scratch`).
 */
export async function openSignatureStore(
  name: string,
  options: TransportOptions = {},
): Promise<SignatureStore> {
  const { label, reference } = transportOf(name);
  if (label === 'oci') {
    const ref = parseLayoutReference(reference);
    return layoutStore(await openLayout(ref.dir), ref);
  }
  if (label === 'registry' || label === 'docker') {
    // Loaded only for registries: a layout needs no HTTP client.
    const { RegistrySource } = await import('../../transports/registry/index.ts');
    const source = await openSource(name, options);
    if (source instanceof RegistrySource) return registryStore(source);
    await source.close();
  }
  throw new OciError(
    ErrorCode.UNSUPPORTED,
    `signatures are kept in a registry or an oci: layout, not in the ${label} transport (${name.slice(0, 200)})`,
    { data: { transport: label } },
  );
}
