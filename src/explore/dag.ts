/**
 * The DAG of an image as the explorer draws it: index → manifests (platforms) → config and layers,
 * and under each index and manifest what refers to it (signatures, attestations, SBOMs).
 */
import { ErrorCode, isOciError } from '../errors/index.ts';
import type { Image, Index } from '../image/types.ts';
import type { ImageCatalog } from './images.ts';
import type { FoundReferrer } from './trust/referrers.ts';

/** One node of the DAG; a referrer comes after the config and layers, or the manifests, of its subject. */
export interface DagNode {
  kind: 'index' | 'manifest' | 'config' | 'layer' | 'missing' | 'referrer';
  digest: string;
  mediaType: string;
  size: number;
  platform?: string;
  artifactType?: string;
  /** For a referrer: `referrer` (an OCI `subject`), or `cosign .sig` / `.att` / `.sbom`. */
  scheme?: string;
  /** For a cosign tag-scheme referrer: the tag it is kept under. */
  tag?: string;
  children: DagNode[];
}

type Referrers = Map<string, FoundReferrer[]>;

function referrerNodes(found: FoundReferrer[] | undefined): DagNode[] {
  return (found ?? []).map((r) => {
    const node: DagNode = {
      kind: 'referrer',
      digest: r.digest,
      mediaType: r.mediaType,
      size: r.size,
      scheme: r.scheme,
      children: referrerNodes(r.referrers),
    };
    if (r.artifactType !== undefined) node.artifactType = r.artifactType;
    if (r.tag !== undefined) node.tag = r.tag;
    return node;
  });
}

function platformOf(
  p: { os: string; architecture: string; variant?: string } | undefined,
): string | undefined {
  return p === undefined ? undefined : [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

async function nodeOf(
  catalog: ImageCatalog,
  referrers: Referrers,
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
    out.children.push(...referrerNodes(referrers.get(digest)));
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
    } else out.children.push(await nodeOf(catalog, referrers, found.node, p));
  }
  out.children.push(...referrerNodes(referrers.get(digest)));
  return out;
}

/** The DAG of the catalog's image, each index and manifest with its referrers as children. */
export async function dagOf(catalog: ImageCatalog): Promise<DagNode> {
  const top = await catalog.top();
  return nodeOf(catalog, await catalog.referrers(), top, undefined);
}
