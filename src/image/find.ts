/** Finding a blob's descriptor by digest in the graph an image name points to. */
import type { Digest } from '../digest/index.ts';
import type { Descriptor } from '../spec/index.ts';
import type { ImageSource, OperationOptions } from './types.ts';

/**
 * The descriptor with `digest` among the top document, its index children (recursively), and the
 * config, layers and subject of every manifest; undefined when the image does not reference it.
 * A blob is only ever served with the size its referencing descriptor declares.
 */
export async function findDescriptor(
  source: ImageSource,
  digest: Digest,
  options: OperationOptions = {},
): Promise<Descriptor | undefined> {
  const seen = new Set<string>();
  const visit = async (descriptor: Descriptor): Promise<Descriptor | undefined> => {
    if (descriptor.digest === digest) return descriptor;
    if (seen.has(descriptor.digest)) return undefined;
    seen.add(descriptor.digest);
    const document = await source.manifest(descriptor, options);
    const children =
      document.kind === 'index'
        ? document.value.manifests
        : [
            document.value.config,
            ...document.value.layers,
            ...(document.value.subject ? [document.value.subject] : []),
          ];
    for (const child of children) {
      if (child.digest === digest) return child;
    }
    if (document.kind === 'index') {
      for (const child of children) {
        const found = await visit(child).catch(() => undefined);
        if (found) return found;
      }
    }
    return undefined;
  };
  return visit(await source.resolve(options));
}
