/** The DAG of an image as the explorer draws it: index → manifests (platforms) → config and layers, and referrers. */
import { ErrorCode, isOciError } from '../errors/index.ts';
import type { Image, Index } from '../image/types.ts';
import type { ImageCatalog } from './images.ts';

/** One node of the DAG. */
export interface DagNode {
  kind: 'index' | 'manifest' | 'config' | 'layer' | 'missing';
  digest: string;
  mediaType: string;
  size: number;
  platform?: string;
  artifactType?: string;
  children: DagNode[];
}

function platformOf(
  p: { os: string; architecture: string; variant?: string } | undefined,
): string | undefined {
  return p === undefined ? undefined : [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

async function nodeOf(
  catalog: ImageCatalog,
  node: Image | Index,
  platform: string | undefined,
): Promise<DagNode> {
  const { digest, mediaType, size } = node.descriptor;
  if (node.kind === 'image') {
    const { config, layers } = node.document.value;
    const out: DagNode = { kind: 'manifest', digest, mediaType, size, children: [] };
    if (platform !== undefined) out.platform = platform;
    out.children.push({
      kind: 'config',
      digest: config.digest,
      mediaType: config.mediaType,
      size: config.size,
      children: [],
    });
    for (const l of layers)
      out.children.push({
        kind: 'layer',
        digest: l.digest,
        mediaType: l.mediaType,
        size: l.size,
        children: [],
      });
    return out;
  }
  const out: DagNode = { kind: 'index', digest, mediaType, size, children: [] };
  for (const child of node.document.value.manifests) {
    const p = platformOf(child.platform);
    let found: Awaited<ReturnType<ImageCatalog['document']>> | undefined;
    try {
      found = await catalog.document(child.digest);
    } catch (err) {
      if (!isOciError(err, ErrorCode.NOT_FOUND)) throw err;
      found = undefined;
    }
    if (found?.node === undefined) {
      const missing: DagNode = {
        kind: 'missing',
        digest: child.digest,
        mediaType: child.mediaType,
        size: child.size,
        children: [],
      };
      if (p !== undefined) missing.platform = p;
      out.children.push(missing);
    } else out.children.push(await nodeOf(catalog, found.node, p));
  }
  return out;
}

/** The DAG of the catalog's image. */
export async function dagOf(catalog: ImageCatalog): Promise<DagNode> {
  return nodeOf(catalog, await catalog.top(), undefined);
}
