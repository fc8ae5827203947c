/**
 * Registry (and layout) housekeeping: `ocikit ls REPO`, `ocikit catalog REGISTRY`,
 * `ocikit delete IMAGE`, `ocikit blob IMAGE DIGEST`.
 */
import { Command } from '@commander-js/extra-typings';
import { ErrorCode, OciError } from '../../errors/index.ts';
import { noteAssumedTag } from '../assumed-tag.ts';
import { binaryTarget, writeBinary } from '../binary-output.ts';
import { transportOptions, withSource } from '../context.ts';
import { ociLayoutDir as layoutDir } from '../layout-dir.ts';
import { writeJson, writeLine } from '../output.ts';
import { UsageError } from '../run.ts';
import { commandSignal } from '../signal.ts';

/** A client of the registry `host`, with the credentials and TLS the flags ask for. */
async function registryClient(host: string, command: { optsWithGlobals(): object }) {
  const { openRegistryClient } = await import('../../transports/registry/index.ts');
  return openRegistryClient(host.replace(/^docker:\/\//, '').replace(/\/+$/, ''), transportOptions(command));
}

/** The transports a command takes (labels of the transport table) and how to say so. */
interface Accepted {
  command: string;
  labels: readonly string[];
  takes: string;
}

const LS: Accepted = {
  command: 'ls',
  labels: ['registry', 'docker', 'oci', 'oci-archive', 'docker-archive'],
  takes: 'a repository (HOST[:PORT]/REPO), oci:DIR, oci-archive:FILE or docker-archive:FILE',
};
const CATALOG: Accepted = {
  command: 'catalog',
  labels: ['registry', 'docker'],
  takes: 'a registry (HOST[:PORT])',
};
const DELETE: Accepted = {
  command: 'delete',
  labels: ['registry', 'docker', 'oci'],
  takes: 'a registry image (HOST[:PORT]/REPO:TAG or REPO@DIGEST) or oci:DIR:TAG',
};

/**
 * Refuses (INVALID_ARGUMENT) a name of a transport the command cannot use, naming the transport,
 * before anything is opened; an unknown transport fails as `transportOf` says.
 */
async function requireTransport(name: string, accepted: Accepted): Promise<void> {
  const { transportOf } = await import('../../transports/index.ts');
  const { label } = transportOf(name);
  if (!accepted.labels.includes(label)) {
    throw new OciError(
      ErrorCode.INVALID_ARGUMENT,
      `${accepted.command} cannot use the ${label} transport (${JSON.stringify(name.slice(0, 200))}): it takes ${accepted.takes}`,
      { data: { transport: label } },
    );
  }
}

/** Registers `ls`: the tags of a repository, or the names in a layout or an archive. */
export function lsCommand() {
  return new Command('ls')
    .description(
      'list the tags of a repository, or the names in an OCI layout (oci:DIR) or an archive (oci-archive:FILE, docker-archive:FILE)',
    )
    .argument('<repository>', 'e.g. localhost:5000/app, oci:./layout or oci-archive:app.tar')
    .option('--json', 'print JSON')
    .action(async (name, options, command) => {
      const { listNames } = await import('../../transports/index.ts');
      await requireTransport(name, LS);
      const tags = await listNames(name, transportOptions(command));
      if (options.json) return writeJson(tags);
      for (const tag of tags) await writeLine(tag);
    });
}

/** Registers `catalog`: the repositories of a registry. */
export function catalogCommand() {
  return new Command('catalog')
    .description('list the repositories of a registry')
    .argument('<registry>', 'e.g. localhost:5000')
    .option('--json', 'print JSON')
    .action(async (host, options, command) => {
      await requireTransport(host, CATALOG);
      const client = await registryClient(host, command);
      try {
        const repositories = await client.catalog();
        if (options.json) return writeJson(repositories);
        for (const repository of repositories) await writeLine(repository);
      } finally {
        await client.close();
      }
    });
}

/** Registers `delete`: a manifest from a registry (by digest), or a tag from a layout. */
export function deleteCommand() {
  return new Command('delete')
    .description(
      'delete an image: its manifest from a registry (every tag on that digest goes with it), or its entry from an OCI layout (then run gc)',
    )
    .argument('<image>', 'e.g. localhost:5000/app:1 or oci:./layout:tag')
    .action(async (name, _options, command) => {
      await requireTransport(name, DELETE);
      const dir = layoutDir(name);
      if (dir !== undefined) {
        const { openLayout } = await import('../../store/index.ts');
        const { parseLayoutReference } = await import('../../transports/layout/index.ts');
        const ref = parseLayoutReference(name);
        const layout = await openLayout(ref.dir);
        if (!ref.tag && !ref.digest)
          throw new UsageError('name the tag or digest to delete, e.g. oci:DIR:TAG');
        let removed = false;
        if (ref.tag) removed = await layout.untag(ref.tag);
        else {
          await layout.updateIndex((index) => {
            const kept = index.manifests.filter((m) => m.digest !== ref.digest);
            removed = kept.length !== index.manifests.length;
            index.manifests = kept;
            return index;
          });
        }
        if (!removed) throw new OciError(ErrorCode.NOT_FOUND, `${name} is not in the layout`);
        return;
      }
      const { parseRegistryReference } = await import('../../transports/registry/index.ts');
      const { DEFAULT_TAG } = await import('../../reference/index.ts');
      const ref = parseRegistryReference(name);
      await noteAssumedTag(name, command);
      const client = await registryClient(ref.registry, command);
      try {
        // Distribution deletes by digest only: resolve a tag first (distribution-spec "Deleting manifests").
        const tag = ref.tag ?? DEFAULT_TAG;
        const digest = ref.digest ?? (await client.headManifest(ref.repository, tag))?.digest;
        if (!digest)
          throw new OciError(ErrorCode.NOT_FOUND, `${ref.registry}/${ref.repository}:${tag} not found`);
        await client.deleteManifest(ref.repository, digest);
        await writeLine(`deleted ${ref.registry}/${ref.repository}@${digest}`);
      } finally {
        await client.close();
      }
    });
}

/** Registers `blob`: a blob's bytes, verified, on stdout. */
export function blobCommand() {
  return new Command('blob')
    .description(
      'write the bytes of a blob of an image to stdout (or -o FILE), verified against its digest and size',
    )
    .argument(
      '<image>',
      'the image holding the blob (its manifest, config, a layer, or a child of its index)',
    )
    .argument('<digest>', 'e.g. sha256:…')
    .option('-o, --output <file>', 'write to this file instead of stdout; - for stdout, even a terminal')
    .action(async (name, digest, options, command) => {
      const target = binaryTarget(options.output);
      const signal = commandSignal();
      await withSource(name, command, async (source) => {
        const { parseSupportedDigest } = await import('../../digest/index.ts');
        const { findDescriptor } = await import('../../image/index.ts');
        const wanted = parseSupportedDigest(digest).digest;
        const descriptor = await findDescriptor(source, wanted, { signal });
        if (!descriptor) throw new OciError(ErrorCode.NOT_FOUND, `${name} references no blob ${wanted}`);
        await writeBinary(target, () => source.blob(descriptor, { signal }), signal);
      });
    });
}
