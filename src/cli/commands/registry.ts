/**
 * Registry (and layout) housekeeping: `ocikit ls REPO`, `ocikit catalog REGISTRY`,
 * `ocikit delete IMAGE`, `ocikit blob IMAGE DIGEST`.
 */
import { pipeline } from 'node:stream/promises';
import { Command } from '@commander-js/extra-typings';
import { ErrorCode, OciError } from '../../errors/index.ts';
import { transportOptions, withSource } from '../context.ts';
import { ociLayoutDir as layoutDir } from '../layout-dir.ts';
import { writeJson, writeLine } from '../output.ts';
import { UsageError } from '../run.ts';

async function registryClient(host: string, command: { optsWithGlobals(): object }) {
  const { RegistryClient } = await import('../../transports/registry/index.ts');
  const { createAuthenticator } = await import('../../transports/registry/auth/index.ts');
  const { apiHost, isInsecureHost, validateRegistry } = await import('../../reference/index.ts');
  const registry = validateRegistry(host.replace(/^docker:\/\//, '').replace(/\/+$/, ''));
  const insecure = transportOptions(command).insecure === true || isInsecureHost(registry);
  return new RegistryClient(registry, {
    authenticator: createAuthenticator(),
    apiHost: apiHost(registry),
    insecure,
  });
}

/** Registers `ls`: the tags of a repository (or of an OCI layout). */
export function lsCommand() {
  return new Command('ls')
    .description('list the tags of a repository, or of an OCI layout (oci:DIR)')
    .argument('<repository>', 'e.g. localhost:5000/app or oci:./layout')
    .option('--json', 'print JSON')
    .action(async (name, options, command) => {
      let tags: string[];
      const dir = layoutDir(name);
      if (dir !== undefined) {
        const { openLayout } = await import('../../store/index.ts');
        tags = await (await openLayout(dir)).listTags();
      } else {
        const { parseRegistryReference } = await import('../../transports/registry/index.ts');
        const ref = parseRegistryReference(name);
        const client = await registryClient(ref.registry, command);
        try {
          tags = await client.listTags(ref.repository);
        } finally {
          await client.close();
        }
      }
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
      const ref = parseRegistryReference(name);
      const client = await registryClient(ref.registry, command);
      try {
        // Distribution deletes by digest only: resolve a tag first (distribution-spec "Deleting manifests").
        const digest = ref.digest ?? (await client.headManifest(ref.repository, ref.tag ?? 'latest'))?.digest;
        if (!digest) throw new OciError(ErrorCode.NOT_FOUND, `${name} not found`);
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
    .description('write the bytes of a blob of an image to stdout, verified against its digest and size')
    .argument(
      '<image>',
      'the image holding the blob (its manifest, config, a layer, or a child of its index)',
    )
    .argument('<digest>', 'e.g. sha256:…')
    .action(async (name, digest, _options, command) =>
      withSource(name, command, async (source) => {
        const { parseSupportedDigest } = await import('../../digest/index.ts');
        const { findDescriptor } = await import('../../image/index.ts');
        const wanted = parseSupportedDigest(digest).digest;
        const descriptor = await findDescriptor(source, wanted);
        if (!descriptor) throw new OciError(ErrorCode.NOT_FOUND, `${name} references no blob ${wanted}`);
        await pipeline(await source.blob(descriptor), process.stdout);
      }),
    );
}
