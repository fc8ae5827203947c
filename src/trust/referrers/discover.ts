/**
 * `discover`: the tree of an image's referrers, recursively (the referrers of each referrer),
 * from the referrers API, the referrers tag schema, or a layout's index.json; printed as
 * `oras discover` prints it: the image, then each artifact type, then the digests of that type.
 */
import type { Digest } from '../../digest/index.ts';
import type { OperationOptions } from '../../image/types.ts';
import type { Descriptor } from '../../spec/types.ts';
import type { TransportOptions } from '../../transports/index.ts';
import { MAX_SIGNATURES } from '../limits.ts';
import { openSignatureStore } from '../store/open.ts';
import type { SignatureStore } from '../store/types.ts';

/** One node of the tree: a manifest and what refers to it. */
export interface ReferrerNode {
  reference: string;
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  manifests: ReferrerNode[];
}

/** Options of {@link discoverReferrers}. */
export interface DiscoverOptions extends TransportOptions, OperationOptions {
  /** Only referrers of this artifact type (at every level). */
  artifactType?: string;
  /** How deep to follow referrers of referrers (default 8). */
  depth?: number;
}

/** Most referrers listed in a whole tree. */
export const MAX_REFERRERS = MAX_SIGNATURES * 4;

async function children(
  store: SignatureStore,
  digest: Digest,
  options: DiscoverOptions,
  depth: number,
  seen: Set<string>,
): Promise<ReferrerNode[]> {
  if (depth <= 0) return [];
  const listed: Descriptor[] = await store.referrers(digest, options.artifactType, options);
  const out: ReferrerNode[] = [];
  for (const d of listed) {
    if (seen.has(d.digest) || seen.size >= MAX_REFERRERS) continue;
    seen.add(d.digest);
    out.push({
      reference: store.pinned(d.digest as Digest),
      mediaType: d.mediaType,
      digest: d.digest,
      size: d.size,
      ...(d.artifactType !== undefined ? { artifactType: d.artifactType } : {}),
      ...(d.annotations !== undefined ? { annotations: d.annotations } : {}),
      manifests: await children(store, d.digest as Digest, options, depth - 1, seen),
    });
  }
  return out;
}

/** The image `name` and the tree of what refers to it. */
export async function discoverReferrers(name: string, options: DiscoverOptions = {}): Promise<ReferrerNode> {
  const store = await openSignatureStore(name, options);
  try {
    const root = await store.resolve(options);
    const seen = new Set<string>([root.digest]);
    return {
      reference: store.pinned(root.digest as Digest),
      mediaType: root.mediaType,
      digest: root.digest,
      size: root.size,
      manifests: await children(store, root.digest as Digest, options, options.depth ?? 8, seen),
    };
  } finally {
    await store.close();
  }
}

/** The tree as `oras discover --format tree` draws it: nodes grouped by artifact type. */
export function referrersTree(root: ReferrerNode): string {
  const lines = [root.reference];
  const draw = (node: ReferrerNode, prefix: string) => {
    const groups = new Map<string, ReferrerNode[]>();
    for (const child of node.manifests) {
      const type = child.artifactType ?? child.mediaType;
      groups.set(type, [...(groups.get(type) ?? []), child]);
    }
    const types = [...groups.keys()];
    types.forEach((type, i) => {
      const lastType = i === types.length - 1;
      lines.push(`${prefix}${lastType ? '└── ' : '├── '}${type}`);
      const inner = prefix + (lastType ? '    ' : '│   ');
      const nodes = groups.get(type) ?? [];
      nodes.forEach((child, j) => {
        const last = j === nodes.length - 1;
        lines.push(`${inner}${last ? '└── ' : '├── '}${child.digest}`);
        draw(child, inner + (last ? '    ' : '│   '));
      });
    });
  };
  draw(root, '');
  return lines.join('\n');
}
